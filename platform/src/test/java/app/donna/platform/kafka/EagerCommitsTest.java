package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

class EagerCommitsTest {

    private final EagerCommits commits = new EagerCommits(Duration.ofMillis(20));

    @Test
    void neverAsksForNoCommitNorSchedulesAnyCheck() {
        MockProcessorContext<Object, Object> task = taskAt(1_000);
        EagerCommits never = EagerCommits.never();

        never.schedule(task);
        never.afterForwarding(task);

        assertThat(task.committed()).isFalse();
        assertThat(task.scheduledPunctuators()).isEmpty();
    }

    @Test
    void theFirstForwardAsksForACommitAtOnce() {
        MockProcessorContext<Object, Object> task = taskAt(1_000);

        commits.afterForwarding(task);

        assertThat(task.committed()).isTrue();
    }

    @Test
    void aForwardWithinOneIntervalOfTheLastRequestIsCommittedWhenTheIntervalHasPassed() {
        MockProcessorContext<Object, Object> task = taskAt(1_000);
        commits.schedule(task);
        commits.afterForwarding(task);
        task.resetCommit();

        forwardAndExpectTheCommitRequestAt(task, 1_005, 1_020);
    }

    @Test
    void theIntervalCountsFromTheEndOfTheLastCommit() {
        MockProcessorContext<Object, Object> task = taskAt(1_000);
        commits.schedule(task);
        commits.afterForwarding(task);
        task.resetCommit();
        // a commit under load takes a while; the next one is due an interval after it ended
        commits.committed(1_030);

        forwardAndExpectTheCommitRequestAt(task, 1_040, 1_050);
    }

    @Test
    void theCheckAsksOnlyWhenSomethingWaits() {
        MockProcessorContext<Object, Object> task = taskAt(1_000);
        commits.schedule(task);
        commits.afterForwarding(task);
        task.resetCommit();

        punctuateAt(task, 1_100);

        assertThat(task.committed()).isFalse();
    }

    @Test
    void theCheckRunsFourTimesPerIntervalOnTheWallClock() {
        MockProcessorContext<Object, Object> task = taskAt(0);

        commits.schedule(task);

        assertThat(task.scheduledPunctuators()).singleElement().satisfies(p -> {
            assertThat(p.getInterval()).isEqualTo(Duration.ofMillis(5));
            assertThat(p.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
        });
    }

    @Test
    void theIntervalIsSharedByEveryTaskOfTheApplication() {
        MockProcessorContext<Object, Object> first = taskAt(5_000);
        MockProcessorContext<Object, Object> second = taskAt(5_005);

        commits.afterForwarding(first);
        commits.afterForwarding(second);

        assertThat(first.committed()).isTrue();
        // Kafka Streams commits all of a thread's tasks at once: a second request would be a second transaction
        assertThat(second.committed()).isFalse();
    }

    @Test
    void theTaskWithWaitingResultsIsAskedWhicheverTaskRunsTheCheck() {
        MockProcessorContext<Object, Object> quiet = taskAt(5_000);
        MockProcessorContext<Object, Object> busy = taskAt(5_000);
        commits.schedule(quiet);
        commits.afterForwarding(busy);
        busy.resetCommit();
        busy.setCurrentSystemTimeMs(5_005);
        commits.afterForwarding(busy);

        punctuateAt(quiet, 5_020);

        // a request from the quiet task alone would commit nothing: Kafka Streams commits only when a task
        // that asked has something to commit
        assertThat(quiet.committed()).isFalse();
        assertThat(busy.committed()).isTrue();
    }

    @Test
    void aZeroIntervalAsksAfterEveryForward() {
        EagerCommits always = new EagerCommits(Duration.ZERO);
        MockProcessorContext<Object, Object> task = taskAt(7);
        always.afterForwarding(task);
        task.resetCommit();

        always.afterForwarding(task);

        assertThat(task.committed()).isTrue();
        task.resetCommit();
        always.schedule(task);
        assertThat(task.scheduledPunctuators()).as("nothing ever waits").isEmpty();
    }

    @Test
    void aNegativeIntervalIsRefused() {
        assertThatThrownBy(() -> new EagerCommits(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    private void forwardAndExpectTheCommitRequestAt(
            MockProcessorContext<Object, Object> task, long forwardAt, long requestAt) {
        task.setCurrentSystemTimeMs(forwardAt);
        commits.afterForwarding(task);
        assertThat(task.committed()).as("asked at once").isFalse();

        punctuateAt(task, requestAt - 1);
        assertThat(task.committed()).as("asked early").isFalse();

        punctuateAt(task, requestAt);
        assertThat(task.committed()).as("asked when due").isTrue();
    }

    private static void punctuateAt(MockProcessorContext<Object, Object> task, long wallClockMs) {
        task.setCurrentSystemTimeMs(wallClockMs);
        task.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(wallClockMs));
    }

    private static MockProcessorContext<Object, Object> taskAt(long wallClockMs) {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(wallClockMs);
        return context;
    }
}
