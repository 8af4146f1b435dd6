package app.donna.ingress.workspace;

import app.donna.platform.workspace.SpentBudgets;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WorkspaceConfiguration {

    /** Today's spent token budgets, as projected: voice minting and the analytics dashboard ask them. */
    @Bean
    SpentBudgets spentBudgets(DataSource db, Clock clock, Workspaces workspaces) {
        return new SpentBudgets(db, clock, workspaces.defaultId());
    }
}
