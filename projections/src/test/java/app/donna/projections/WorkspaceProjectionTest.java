package app.donna.projections;

import static app.donna.projections.db.Tables.WORKSPACES;
import static app.donna.projections.db.Tables.WORKSPACE_MEMBERS;
import static app.donna.projections.db.Tables.WORKSPACE_PERSONAS;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.events.workspace.WorkspaceRole;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.projections.workspace.WorkspaceProjection;
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

/**
 * The workspace read models on a real database: each fact's latest record stands, whatever order the
 * records come in (a compacted topic read again), the creator is the first owner, and a removed member stays
 * removed.
 */
@ExtendWith(InfraExtension.class)
class WorkspaceProjectionTest {

    static final HikariDataSource DATA = MigratedDatabase.create("workspace");
    static final DSLContext DB = DSL.using(DATA, SQLDialect.POSTGRES);
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @AfterAll
    static void close() {
        DATA.close();
    }

    @Test
    void eachFactsLatestRecordStandsTheCreatorOwnsAndARemovedMemberStaysRemoved() {
        String ws = "ws-" + UUID.randomUUID();
        WorkspaceCreated created = WorkspaceCreated.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(T0)
                .setWorkspaceId(ws)
                .setName("Bella's Salon")
                .setCreatedBy("olga")
                .build();
        apply(
                created,
                member(ws, "sam", WorkspaceRole.REMOVED, T0.plusSeconds(120)),
                // older records of the same facts, as a consumer reading again may meet them
                member(ws, "sam", WorkspaceRole.STAFF, T0.plusSeconds(60)),
                persona(ws, "Bella's", T0.plusSeconds(60)),
                persona(ws, "Old name", T0),
                created);

        assertThat(DB.fetchCount(WORKSPACES, WORKSPACES.WORKSPACE_ID.eq(ws))).isEqualTo(1);
        assertThat(DB.select(WORKSPACE_MEMBERS.USER_ID, WORKSPACE_MEMBERS.ROLE)
                        .from(WORKSPACE_MEMBERS)
                        .where(WORKSPACE_MEMBERS.WORKSPACE_ID.eq(ws))
                        .orderBy(WORKSPACE_MEMBERS.USER_ID)
                        .fetch(r -> r.value1() + ":" + r.value2()))
                .containsExactly("olga:OWNER", "sam:REMOVED");
        var persona = DB.selectFrom(WORKSPACE_PERSONAS)
                .where(WORKSPACE_PERSONAS.WORKSPACE_ID.eq(ws))
                .fetchOne();
        assertThat(persona.getBusinessName()).isEqualTo("Bella's");
        assertThat(persona.getServices()).isEqualTo("Cut: 30 EUR\nColour");
    }

    static WorkspaceMemberChanged member(String ws, String user, WorkspaceRole role, Instant at) {
        return WorkspaceMemberChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setWorkspaceId(ws)
                .setUserId(user)
                .setRole(role)
                .setChangedBy("olga")
                .build();
    }

    static WorkspacePersonaSet persona(String ws, String name, Instant at) {
        return WorkspacePersonaSet.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(at)
                .setWorkspaceId(ws)
                .setBusinessName(name)
                .setHours("Tue-Sat 9-18")
                .setServices(List.of("Cut: 30 EUR", "Colour"))
                .setTone("warm")
                .setUpdatedBy("olga")
                .build();
    }

    static void apply(SpecificRecordBase... events) {
        MigratedDatabase.apply(DB, new WorkspaceProjection(), events);
    }
}
