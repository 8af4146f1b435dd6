package app.donna.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(InfraExtension.class)
class SharedInfraTest {

    @Test
    void givesEveryTestTheSameBrokerAndAFreshDatabase(InfraExtension.KafkaBootstrap kafka, SharedInfra.Database db)
            throws Exception {
        assertThat(kafka.servers()).isEqualTo(SharedInfra.kafkaBootstrapServers());
        assertThat(System.getProperty("spring.kafka.bootstrap-servers")).isEqualTo(kafka.servers());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.servers()))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasSize(1);
        }
        try (Connection c = db.connect();
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("a fresh database has no tables").isZero();
        }
    }

    @Test
    void replacesTheDatabaseInAServerUrl() {
        assertThat(SharedInfra.withDatabase("jdbc:postgresql://db:5432/postgres?sslmode=require", "t1"))
                .isEqualTo("jdbc:postgresql://db:5432/t1?sslmode=require");
        assertThat(SharedInfra.withDatabase("jdbc:postgresql://db:5432", "t1"))
                .isEqualTo("jdbc:postgresql://db:5432/t1");
    }
}
