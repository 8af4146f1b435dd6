package app.donna.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalInfraTest {

    @Test
    void kafkaKeepsTopicsAcrossARestartOnTheSameDataFolder(@TempDir Path dir) throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir, 0);
                Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        try (LocalKafka kafka = LocalKafka.start(dir, 0);
                Admin admin = admin(kafka)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept");
        }
    }

    @Test
    void aScramBrokerServesItsUserAndNoOneElse(@TempDir Path dir) throws Exception {
        LocalKafka.ScramUser user = new LocalKafka.ScramUser("donna-test", "s3cret-pw");
        try (LocalKafka kafka = LocalKafka.startWithScram(dir, 0, user)) {
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("secured");
            }

            Map<String, Object> wrongPassword = new HashMap<>(kafka.clientProperties());
            wrongPassword.put("sasl.jaas.config", new LocalKafka.ScramUser("donna-test", "guessed").jaasConfig());
            assertThatThrownBy(() -> describe(wrongPassword)).hasCauseInstanceOf(SaslAuthenticationException.class);

            assertThatThrownBy(() -> describe(Map.of("bootstrap.servers", kafka.bootstrapServers())))
                    .as("a plaintext client gets no answer")
                    .hasCauseInstanceOf(TimeoutException.class);
        }
    }

    private static void describe(Map<String, Object> client) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(client)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                    .nodes()
                    .get();
        }
    }

    @Test
    void postgresKeepsDataAcrossARestart(@TempDir Path dir) throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            pg.createDatabaseIfMissing("kept_db");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("kept_db"), "postgres", "")) {
                c.createStatement().execute("CREATE TABLE t (v int); INSERT INTO t VALUES (42)");
            }
        }
        try (LocalPostgres pg = LocalPostgres.start(dir, 0);
                Connection c = DriverManager.getConnection(pg.jdbcUrl("kept_db"), "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT v FROM t")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void postgresBinariesCoverLinuxAndMacOsOnX86AndArm() {
        for (String[] platform : new String[][] {
            {"Linux", "amd64"}, {"Linux", "aarch64"}, {"Mac OS X", "x86_64"}, {"Mac OS X", "aarch64"}
        }) {
            assertThatCode(() -> LocalPostgres.requireBinaries(platform[0], platform[1]))
                    .as(String.join(" ", platform))
                    .doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> LocalPostgres.requireBinaries("Linux", "s390x"))
                .isInstanceOf(LocalPostgres.NoBinariesException.class)
                .hasMessageContaining("no embedded PostgreSQL binaries for Linux s390x")
                .hasMessageContaining("DONNA_DB_URL");
        assertThatThrownBy(() -> LocalPostgres.requireBinaries("FreeBSD", "amd64"))
                .isInstanceOf(LocalPostgres.NoBinariesException.class);
        assertThatThrownBy(() -> LocalPostgres.requireBinaries("Linux", "weird-cpu"))
                .isInstanceOf(LocalPostgres.NoBinariesException.class);
    }

    private static Admin admin(LocalKafka kafka) {
        Properties p = new Properties();
        p.putAll(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        return Admin.create(p);
    }
}
