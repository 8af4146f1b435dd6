package app.donna.projections.workspace;

import static app.donna.projections.db.Tables.WORKSPACES;
import static app.donna.projections.db.Tables.WORKSPACE_MEMBERS;
import static app.donna.projections.db.Tables.WORKSPACE_PERSONAS;

import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.events.workspace.WorkspaceRole;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * The workspaces as they stand: each one's name and creator, its members and their roles (the creator is
 * the first owner; a removed member keeps a {@code REMOVED} row), and its persona. Every record is a fact's latest state on the compacted
 * {@code donna.workspace}, so a record older than the row it would replace changes nothing: a topic read
 * again, or compacted in between, ends in the same rows.
 *
 * <p>Consumes: {@code donna.workspace}. Produces: {@code workspaces}, {@code workspace_members},
 * {@code workspace_personas}.
 */
public final class WorkspaceProjection implements Projection {

    @Override
    public String name() {
        return "workspace";
    }

    @Override
    public List<String> tables() {
        return List.of("workspaces", "workspace_members", "workspace_personas", "workspace_budgets_spent");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.WORKSPACE);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        List<Query> queries = new ArrayList<>();
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case WorkspaceCreated w -> {
                    queries.add(tx.insertInto(WORKSPACES)
                            .set(WORKSPACES.WORKSPACE_ID, StorableText.of(w.getWorkspaceId()))
                            .set(WORKSPACES.NAME, StorableText.of(w.getName()))
                            .set(WORKSPACES.CREATED_BY, StorableText.of(w.getCreatedBy()))
                            .set(WORKSPACES.CREATED_AT, w.getOccurredAt())
                            .onConflictDoNothing());
                    // the creator is the first owner; any later change of their membership stands over this
                    queries.add(tx.insertInto(WORKSPACE_MEMBERS)
                            .set(WORKSPACE_MEMBERS.WORKSPACE_ID, StorableText.of(w.getWorkspaceId()))
                            .set(WORKSPACE_MEMBERS.USER_ID, StorableText.of(w.getCreatedBy()))
                            .set(WORKSPACE_MEMBERS.ROLE, WorkspaceRole.OWNER.name())
                            .set(WORKSPACE_MEMBERS.CHANGED_BY, StorableText.of(w.getCreatedBy()))
                            .set(WORKSPACE_MEMBERS.CHANGED_AT, w.getOccurredAt())
                            .onConflictDoNothing());
                }
                case WorkspaceMemberChanged m ->
                    queries.add(tx.insertInto(WORKSPACE_MEMBERS)
                            .set(WORKSPACE_MEMBERS.WORKSPACE_ID, StorableText.of(m.getWorkspaceId()))
                            .set(WORKSPACE_MEMBERS.USER_ID, StorableText.of(m.getUserId()))
                            .set(WORKSPACE_MEMBERS.ROLE, m.getRole().name())
                            .set(WORKSPACE_MEMBERS.CHANGED_BY, StorableText.of(m.getChangedBy()))
                            .set(WORKSPACE_MEMBERS.CHANGED_AT, m.getOccurredAt())
                            .onConflict(WORKSPACE_MEMBERS.WORKSPACE_ID, WORKSPACE_MEMBERS.USER_ID)
                            .doUpdate()
                            .set(WORKSPACE_MEMBERS.ROLE, m.getRole().name())
                            .set(WORKSPACE_MEMBERS.CHANGED_BY, StorableText.of(m.getChangedBy()))
                            .set(WORKSPACE_MEMBERS.CHANGED_AT, m.getOccurredAt())
                            .where(WORKSPACE_MEMBERS.CHANGED_AT.le(m.getOccurredAt())));
                case WorkspacePersonaSet p -> queries.add(persona(tx, p));
                case TokenBudgetSpent b ->
                    queries.add(tx.query(
                            "INSERT INTO workspace_budgets_spent (workspace_id, day, subject, used_tokens, limit_tokens, "
                                    + "spent_at) VALUES (?, ?::date, ?, ?, ?, ?::timestamptz) ON CONFLICT (workspace_id, "
                                    + "day, subject) DO UPDATE SET used_tokens = GREATEST(workspace_budgets_spent.used_tokens, "
                                    + "EXCLUDED.used_tokens)",
                            StorableText.of(b.getWorkspaceId()),
                            b.getDay(),
                            b.getSubject() == null ? "" : StorableText.of(b.getSubject()),
                            b.getUsedTokens(),
                            b.getLimitTokens(),
                            b.getOccurredAt().atOffset(java.time.ZoneOffset.UTC)));
                default -> {
                    // nothing else is carried on donna.workspace
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }

    private static Query persona(DSLContext tx, WorkspacePersonaSet p) {
        String services = StorableText.of(String.join("\n", p.getServices()));
        return tx.insertInto(WORKSPACE_PERSONAS)
                .set(WORKSPACE_PERSONAS.WORKSPACE_ID, StorableText.of(p.getWorkspaceId()))
                .set(WORKSPACE_PERSONAS.BUSINESS_NAME, StorableText.of(p.getBusinessName()))
                .set(WORKSPACE_PERSONAS.HOURS, StorableText.of(p.getHours()))
                .set(WORKSPACE_PERSONAS.SERVICES, services)
                .set(WORKSPACE_PERSONAS.TONE, StorableText.of(p.getTone()))
                .set(WORKSPACE_PERSONAS.INSTRUCTIONS, StorableText.of(p.getInstructions()))
                .set(WORKSPACE_PERSONAS.UPDATED_BY, StorableText.of(p.getUpdatedBy()))
                .set(WORKSPACE_PERSONAS.UPDATED_AT, p.getOccurredAt())
                .onConflict(WORKSPACE_PERSONAS.WORKSPACE_ID)
                .doUpdate()
                .set(WORKSPACE_PERSONAS.BUSINESS_NAME, StorableText.of(p.getBusinessName()))
                .set(WORKSPACE_PERSONAS.HOURS, StorableText.of(p.getHours()))
                .set(WORKSPACE_PERSONAS.SERVICES, services)
                .set(WORKSPACE_PERSONAS.TONE, StorableText.of(p.getTone()))
                .set(WORKSPACE_PERSONAS.INSTRUCTIONS, StorableText.of(p.getInstructions()))
                .set(WORKSPACE_PERSONAS.UPDATED_BY, StorableText.of(p.getUpdatedBy()))
                .set(WORKSPACE_PERSONAS.UPDATED_AT, p.getOccurredAt())
                .where(WORKSPACE_PERSONAS.UPDATED_AT.le(p.getOccurredAt()));
    }
}
