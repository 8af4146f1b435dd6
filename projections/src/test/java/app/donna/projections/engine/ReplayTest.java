package app.donna.projections.engine;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.projections.chat.ChatProjection;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code donna replay}'s engine on a real broker and database, beside a live projector: a rebuild into the
 * shadow schema equals the live tables; a live table gone wrong is told apart; and switching the rebuilt
 * tables in while messages keep coming and the live projector keeps writing loses and doubles nothing.
 */
@ExtendWith(InfraExtension.class)
class ReplayTest {

    HikariDataSource dataSource;
    BatchProjector live;

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @Test
    void aRebuildEqualsTheLiveTablesAndSwitchesInUnderTrafficWithNothingLostOrDoubled(
            InfraExtension.KafkaBootstrap kafka) throws Exception {
        dataSource = MigratedDatabase.create("replay");
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        String user = "replay-" + UUID.randomUUID();
        CatalogTopics.create(kafka.servers());
        Map<String, Object> consumerConfig = Map.of("bootstrap.servers", kafka.servers());
        live = LiveProjector.start(new ChatProjection(), dsl, kafka.servers());
        ProjectorCrashSafetyTest.publish(kafka.servers(), user, 2_000);
        LiveProjector.awaitAtTheEnd(new ChatProjection(), dsl, kafka.servers());
        assertThat(ProjectorCrashSafetyTest.count(dsl, user)).isEqualTo(2_000);

        Replay replay = new Replay(dataSource, consumerConfig, new ChatProjection(), Clock.systemUTC());
        List<Replay.Progress> progress = new ArrayList<>();
        Replay.Rebuilt rebuilt = replay.rebuild(progress::add);
        assertThat(rebuilt.events()).isGreaterThanOrEqualTo(2_000);
        assertThat(progress.getLast().applied()).isEqualTo(rebuilt.events());
        assertThat(replay.compare())
                .allSatisfy(
                        table -> assertThat(table.same()).as(table.toString()).isTrue());

        // a live row gone wrong: the comparison says which table
        dsl.execute(
                "DELETE FROM chat_messages WHERE message_id = (SELECT message_id FROM chat_messages WHERE user_id = ? "
                        + "LIMIT 1)",
                user);
        assertThat(replay.compare()).filteredOn(t -> !t.same()).singleElement().satisfies(t -> {
            assertThat(t.table()).isEqualTo("chat_messages");
            assertThat(t.shadowRows() - t.liveRows()).isEqualTo(1);
        });

        // switched in while more messages arrive and the live projector writes them
        CompletableFuture<Void> more =
                CompletableFuture.runAsync(() -> ProjectorCrashSafetyTest.publish(kafka.servers(), user, 3_000));
        Thread.sleep(200);
        String replaced = replay.switchIn();
        more.get(60, TimeUnit.SECONDS);
        LiveProjector.awaitAtTheEnd(new ChatProjection(), dsl, kafka.servers());
        assertThat(ProjectorCrashSafetyTest.count(dsl, user))
                .as("every message once: the repaired row back, none lost or doubled across the switch")
                .isEqualTo(5_000);
        assertThat(dsl.fetchValue("SELECT count(*) FROM " + replaced + ".chat_messages WHERE user_id = ?", user))
                .as("the replaced tables are kept, as they were")
                .isNotNull();
        assertThat(dsl.fetchValue(
                        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?",
                        replay.shadowSchema()))
                .isEqualTo(0L);
        assertThat(live.failure()).isNull();
    }
}
