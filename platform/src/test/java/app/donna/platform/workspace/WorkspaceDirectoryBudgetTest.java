package app.donna.platform.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.platform.budget.TokenBudget;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.persona.Persona;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/** What the directory makes of the spent budgets it reads: by workspace, by visitor, and only on their day. */
class WorkspaceDirectoryBudgetTest {

    static final Instant NOON = Instant.parse("2026-12-02T12:00:00Z");
    static final LocalDate TODAY = LocalDate.of(2026, 12, 2);

    final WorkspaceDirectory directory = new WorkspaceDirectory(
            new KafkaClientProperties(new KafkaProperties(), () -> List.of("unused:9092")),
            new Persona("Salon", "9-5", List.of(), "warm", ""),
            "default",
            Duration.ZERO);

    @Test
    void aVisitorsSpentBudgetHoldsForThemOnlyAndAWorkspacesForEveryone() {
        directory.apply(spent("ws-1", "anon:a", TODAY, 50_000));
        TokenBudget budgets = directory.budgets(Clock.fixed(NOON, ZoneOffset.UTC));

        assertThat(budgets.spent("ws-1", "anon:a")).hasValueSatisfying(s -> {
            assertThat(s.scope()).isEqualTo("visitor");
            assertThat(s.limitTokens()).isEqualTo(50_000);
        });
        assertThat(budgets.spent("ws-1", "anon:b")).isEmpty();
        assertThat(budgets.spent("ws-2", "anon:a"))
                .as("another workspace's visitor of that id")
                .isEmpty();
        assertThat(budgets.spent("ws-1", null))
                .as("the workspace's own budget is not spent")
                .isEmpty();

        directory.apply(spent("ws-1", null, TODAY, 2_000_000));
        assertThat(budgets.spent("ws-1", "anon:b"))
                .hasValueSatisfying(s -> assertThat(s.scope()).isEqualTo("workspace"));
        assertThat(budgets.spent("ws-1", null)).isPresent();
    }

    @Test
    void aBudgetSpentYesterdayHoldsNoMoreAndTheDefaultWorkspaceIsNamedByNull() {
        directory.apply(spent("default", null, TODAY.minusDays(1), 2_000_000));
        directory.apply(spent("default", "u-1", TODAY, 50_000));

        assertThat(directory.budgets(Clock.fixed(NOON, ZoneOffset.UTC)).spent(null, "u-2"))
                .isEmpty();
        assertThat(directory.budgets(Clock.fixed(NOON, ZoneOffset.UTC)).spent(null, "u-1"))
                .isPresent();
        assertThat(directory
                        .budgets(Clock.fixed(NOON.minus(Duration.ofDays(1)), ZoneOffset.UTC))
                        .spent(null, "u-2"))
                .as("on its own day it held")
                .isPresent();
        assertThat(directory
                        .budgets(Clock.fixed(NOON.plus(Duration.ofDays(1)), ZoneOffset.UTC))
                        .spent(null, "u-1"))
                .as("a new day starts afresh")
                .isEmpty();
    }

    static TokenBudgetSpent spent(String workspace, String subject, LocalDate day, long limit) {
        return TokenBudgetSpent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(NOON)
                .setWorkspaceId(workspace)
                .setDay(day)
                .setSubject(subject)
                .setUsedTokens(limit + 10)
                .setLimitTokens(limit)
                .build();
    }
}
