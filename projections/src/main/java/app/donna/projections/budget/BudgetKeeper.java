package app.donna.projections.budget;

import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Keeps the daily token budgets ({@link BudgetSettings}). Every {@code checkInterval} it counts today's
 * tokens from the dashboards' facts, per workspace and per visitor of each, and for each that has reached
 * its budget says so on {@code donna.workspace} ({@code TokenBudgetSpent} under
 * {@code <workspace>/budget/<day>[/<visitor>]}), once per day; the services that ask the model read the
 * topic and answer without it until the day ends. The facts are this process's own projection, so a budget
 * is found spent within the projector's lag and one interval: a few more answers may use the model meanwhile.
 * Publishing again (after a restart, or from a second instance) writes the same key, so it is harmless.
 */
public final class BudgetKeeper {

    private static final Logger log = LoggerFactory.getLogger(BudgetKeeper.class);

    /**
     * Today's tokens per workspace (contact null) and per visitor of a chat or a call, only those at their
     * budget. Conversations of no workspace are the default workspace's.
     */
    private static final String SPENT = "WITH used AS (SELECT COALESCE(c.workspace_id, ?) AS workspace, c.channel, "
            + "c.contact, f.n FROM dashboard_facts f JOIN dashboard_conversations c ON c.conversation_id = "
            + "f.conversation_id WHERE f.day = ?::date AND f.figure IN ('input_tokens', 'output_tokens')) "
            + "SELECT workspace, NULL AS contact, sum(n) AS tokens FROM used GROUP BY workspace "
            + "HAVING ?::bigint > 0 AND sum(n) >= ?::bigint "
            + "UNION ALL SELECT workspace, contact, sum(n) FROM used WHERE contact IS NOT NULL "
            + "AND channel IN ('chat', 'voice') GROUP BY workspace, contact "
            + "HAVING ?::bigint > 0 AND sum(n) >= ?::bigint";

    private final DSLContext db;
    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final BudgetSettings settings;
    private final Clock clock;
    /** The keys said spent today, so each is published once a day. */
    private final Set<String> said = new HashSet<>();

    private LocalDate saidOn;

    public BudgetKeeper(
            DSLContext db, KafkaTemplate<String, SpecificRecordBase> kafka, BudgetSettings settings, Clock clock) {
        this.db = db;
        this.kafka = kafka;
        this.settings = settings;
        this.clock = clock;
    }

    /** Counts today's tokens and publishes each budget newly found spent; returns how many. */
    public synchronized int check() {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (!today.equals(saidOn)) {
            said.clear();
            saidOn = today;
        }
        long workspaceLimit = settings.workspaceDailyTokens();
        long visitorLimit = settings.visitorDailyTokens();
        List<TokenBudgetSpent> spent = db
                .fetch(
                        SPENT,
                        settings.defaultWorkspace(),
                        today,
                        workspaceLimit,
                        workspaceLimit,
                        visitorLimit,
                        visitorLimit)
                .stream()
                .map(row -> spent(row, today, workspaceLimit, visitorLimit))
                .filter(event -> !said.contains(key(event)))
                .toList();
        if (spent.isEmpty()) {
            return 0;
        }
        CompletableFuture<?>[] sends = spent.stream()
                .map(event -> kafka.send(Topics.WORKSPACE.record(key(event), event)))
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(sends).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) {
            // not remembered as said: the next check publishes them again
            throw new IllegalStateException("spent budgets were not published: " + e.getMessage(), e);
        }
        for (TokenBudgetSpent event : spent) {
            said.add(key(event));
            log.warn(
                    "The {} token budget of workspace {} is spent for {}: {} of {} tokens; answers go without the "
                            + "model until the day ends",
                    event.getSubject() == null ? "daily" : "visitor's daily",
                    event.getWorkspaceId(),
                    event.getDay(),
                    event.getUsedTokens(),
                    event.getLimitTokens());
        }
        return spent.size();
    }

    private TokenBudgetSpent spent(Record row, LocalDate today, long workspaceLimit, long visitorLimit) {
        String workspace = row.get(0, String.class);
        String visitor = row.get(1, String.class);
        String key = Topics.budgetKey(workspace, today, visitor);
        return TokenBudgetSpent.newBuilder()
                .setEventId(DerivedIds.of("budget-spent", key))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setWorkspaceId(workspace)
                .setDay(today)
                .setSubject(visitor)
                .setUsedTokens(row.get(2, Long.class))
                .setLimitTokens(visitor == null ? workspaceLimit : visitorLimit)
                .build();
    }

    private static String key(TokenBudgetSpent event) {
        return Topics.budgetKey(event.getWorkspaceId(), event.getDay(), event.getSubject());
    }
}
