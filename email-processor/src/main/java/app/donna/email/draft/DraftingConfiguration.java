package app.donna.email.draft;

import app.donna.platform.workspace.SpentBudgets;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DraftingConfiguration {

    /** Today's spent token budgets, as projected: a workspace's spent, its mail is drafted without the model. */
    @Bean
    SpentBudgets spentBudgets(
            DataSource db, Clock clock, @Value("${donna.workspace.default-id:default}") String defaultWorkspace) {
        return new SpentBudgets(db, clock, defaultWorkspace);
    }
}
