package app.donna.projections;

import static app.donna.projections.db.Tables.AUTOPILOT_DECISIONS;
import static app.donna.projections.db.Tables.AUTOPILOT_SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.email.AutopilotDecided;
import app.donna.events.email.AutopilotDecision;
import app.donna.events.settings.AutopilotMode;
import app.donna.events.settings.AutopilotSettings;
import app.donna.projections.email.AutopilotProjection;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The autopilot read models on a real database: the latest settings stand, each decision is kept once. */
@ExtendWith(InfraExtension.class)
class AutopilotProjectionTest {

    static final HikariDataSource DATA = MigratedDatabase.create("autopilot");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void theLatestSettingsStandAndEachDecisionIsKeptOnce() {
        String user = "u-" + UUID.randomUUID();
        AutopilotSettings older = settings(user, AutopilotMode.AUTO_SEND, T0);
        apply(settings(user, AutopilotMode.DRAFT_ONLY, T0.plusSeconds(60)), older);

        var row = DB.selectFrom(AUTOPILOT_SETTINGS)
                .where(AUTOPILOT_SETTINGS.USER_ID.eq(user))
                .fetchOne();
        assertThat(row.getMode()).as("an older record changes nothing").isEqualTo("DRAFT_ONLY");
        assertThat(row.getBlockedSenders()).isEqualTo("@spam.example\nx@example.com");
        assertThat(row.getQuietHoursStart()).isEqualTo("22:00");

        AutopilotDecided decided = AutopilotDecided.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setUserId(user)
                .setGmailMessageId("m1")
                .setDecision(AutopilotDecision.SKIP)
                .setReasons(List.of("list mail"))
                .build();
        apply(decided, decided);
        assertThat(DB.fetchCount(AUTOPILOT_DECISIONS, AUTOPILOT_DECISIONS.USER_ID.eq(user)))
                .isEqualTo(1);
    }

    static AutopilotSettings settings(String user, AutopilotMode mode, Instant at) {
        return AutopilotSettings.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setUserId(user)
                .setEnabled(true)
                .setMode(mode)
                .setMaxRepliesPerDay(10)
                .setBlockedSenders(List.of("@spam.example", "x@example.com"))
                .setQuietHoursStart("22:00")
                .setQuietHoursEnd("07:00")
                .setUpdatedBy(user)
                .build();
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new AutopilotProjection(), events);
    }
}
