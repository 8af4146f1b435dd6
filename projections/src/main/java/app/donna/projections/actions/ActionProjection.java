package app.donna.projections.actions;

import static app.donna.projections.db.Tables.ACTIONS;

import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.projections.engine.ProjectedEvent;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.StorableText;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.impl.DSL;

/**
 * What callers asked the business for, and where each request stands.
 *
 * <p>Consumes: {@code donna.actions}. Produces: one {@code actions} row per action id: {@code requested}
 * when asked (a repeated request changes nothing), {@code retrying} after a failed attempt that will be
 * tried again, {@code failed} after the last, {@code delivered} once a webhook took it (final: a late
 * failure report cannot undo it), with the number of attempts and the last error.
 */
public final class ActionProjection implements Projection {

    static final String REQUESTED = "requested";
    static final String RETRYING = "retrying";
    static final String FAILED = "failed";
    static final String DELIVERED = "delivered";

    @Override
    public String name() {
        return "actions";
    }

    @Override
    public List<String> tables() {
        return List.of("actions");
    }

    @Override
    public List<Topic<?>> topics() {
        return List.of(Topics.ACTIONS);
    }

    @Override
    public void apply(DSLContext tx, List<ProjectedEvent> batch) {
        List<Query> queries = new ArrayList<>();
        for (ProjectedEvent projected : batch) {
            switch (projected.event()) {
                case ActionRequested r ->
                    queries.add(tx.insertInto(ACTIONS)
                            .set(ACTIONS.ACTION_ID, r.getActionId())
                            .set(ACTIONS.USER_ID, StorableText.of(r.getUserId()))
                            .set(ACTIONS.KIND, StorableText.of(r.getKind()))
                            .set(ACTIONS.INTEGRATION, StorableText.of(r.getIntegration()))
                            .set(ACTIONS.SOURCE, r.getSource().name())
                            .set(ACTIONS.SOURCE_ID, StorableText.of(r.getSourceId()))
                            .set(ACTIONS.PAYLOAD, StorableText.of(r.getPayloadJson()))
                            .set(ACTIONS.STATUS, REQUESTED)
                            .set(ACTIONS.REQUESTED_AT, r.getOccurredAt())
                            .set(ACTIONS.UPDATED_AT, r.getOccurredAt())
                            .set(ACTIONS.WORKSPACE_ID, StorableText.of(r.getWorkspaceId()))
                            .onConflictDoNothing());
                case ActionDelivered d ->
                    queries.add(tx.update(ACTIONS)
                            .set(ACTIONS.STATUS, DELIVERED)
                            .set(ACTIONS.ATTEMPTS, DSL.greatest(ACTIONS.ATTEMPTS, DSL.val(d.getAttempt())))
                            .set(ACTIONS.UPDATED_AT, d.getOccurredAt())
                            .where(ACTIONS.ACTION_ID.eq(d.getActionId())));
                case ActionFailed f ->
                    queries.add(tx.update(ACTIONS)
                            .set(ACTIONS.STATUS, f.getRetryable() ? RETRYING : FAILED)
                            .set(ACTIONS.ATTEMPTS, DSL.greatest(ACTIONS.ATTEMPTS, DSL.val(f.getAttempt())))
                            .set(ACTIONS.LAST_ERROR, StorableText.of(f.getError()))
                            .set(ACTIONS.UPDATED_AT, f.getOccurredAt())
                            .where(ACTIONS.ACTION_ID.eq(f.getActionId()))
                            .and(ACTIONS.STATUS.ne(DELIVERED)));
                default -> {
                    // nothing else is on this topic
                }
            }
        }
        if (!queries.isEmpty()) {
            tx.batch(queries).execute();
        }
    }
}
