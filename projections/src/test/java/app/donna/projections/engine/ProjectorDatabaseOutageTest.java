package app.donna.projections.engine;

import static app.donna.projections.engine.ProjectorCrashSafetyTest.count;
import static app.donna.projections.engine.ProjectorCrashSafetyTest.endOffsets;
import static app.donna.projections.engine.ProjectorCrashSafetyTest.publish;
import static app.donna.projections.engine.ProjectorCrashSafetyTest.storedOffsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.platform.observability.RecordTracing;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * An unreachable database loses and skips nothing: the projector waits for its stored offsets when it is
 * assigned partitions, retries a batch it could not write from the first record not written, and gives
 * up on no record.
 */
@ExtendWith(InfraExtension.class)
class ProjectorDatabaseOutageTest {

    /** A database the test can make unreachable: every new connection is refused meanwhile. */
    static final class Unreachable extends DelegatingDataSource {
        volatile boolean down;
        final AtomicInteger refused = new AtomicInteger();

        Unreachable(HikariDataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                refused.incrementAndGet();
                throw new SQLTransientConnectionException("database unreachable (test)", "08001");
            }
            return super.getConnection();
        }
    }

    HikariDataSource dataSource;
    BatchProjector projector;

    @AfterEach
    void tearDown() {
        if (projector != null) {
            projector.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @Test
    void waitsForTheDatabaseAtStartAndMidStreamAndThenWritesEveryEventOnce(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        // given a database of its own, unreachable when the projector starts
        dataSource = MigratedDatabase.create("outage");
        Unreachable database = new Unreachable(dataSource);
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        CatalogTopics.create(kafka.servers());
        String user = "outage-" + UUID.randomUUID();
        String name = "chat-outage-" + UUID.randomUUID().toString().substring(0, 8);
        database.down = true;
        projector = new BatchProjector(
                new ProjectorCrashSafetyTest.CrashingProjection(name, Integer.MAX_VALUE),
                DSL.using(database, SQLDialect.POSTGRES),
                // the topic may hold other tests' bad records; this test's own are all counted below
                (record, error) -> {},
                new ProjectorSettings(
                        true, 300, Duration.ofMillis(100), Duration.ofMillis(50), 3, Duration.ofMillis(500), false),
                Map.of("bootstrap.servers", kafka.servers()),
                Clock.systemUTC(),
                RecordTracing.noop(),
                new SimpleMeterRegistry());
        projector.start();
        publish(kafka.servers(), user, 500);

        // when the database comes back after the projector has tried it a few times
        await().atMost(Duration.ofSeconds(60)).until(() -> database.refused.get() >= 3);
        database.down = false;
        await().atMost(Duration.ofSeconds(60)).until(() -> count(dsl, user) == 500);

        // and goes away again while more events arrive, then comes back
        database.down = true;
        int refusedBefore = database.refused.get();
        publish(kafka.servers(), user, 500);
        await().atMost(Duration.ofSeconds(60)).until(() -> database.refused.get() >= refusedBefore + 3);
        database.down = false;

        // then every event is there once, the projector read to the end, and nothing was given up on
        Map<Integer, Long> end = endOffsets(kafka.servers());
        await().atMost(Duration.ofSeconds(60))
                .until(() -> storedOffsets(dsl, name).equals(end));
        assertThat(count(dsl, user)).isEqualTo(1000);
        assertThat(projector.isRunning()).isTrue();
    }
}
