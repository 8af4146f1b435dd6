package app.donna.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnswerFragmentsTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final List<String> records = new ArrayList<>();
    private final List<Integer> sequences = new ArrayList<>();
    private final List<CompletableFuture<Object>> writes = new ArrayList<>();

    private AnswerFragments fragments(Duration interval) {
        return new AnswerFragments(interval, now::get, (sequence, text) -> {
            sequences.add(sequence);
            records.add(text);
            CompletableFuture<Object> write = new CompletableFuture<>();
            writes.add(write);
            return write;
        });
    }

    private void advance(long millis) {
        now.addAndGet(millis * MS);
    }

    @Test
    void writesTheFirstFragmentAtOnceAndJoinsThoseThatFollowWithinTheInterval() {
        AnswerFragments answer = fragments(Duration.ofMillis(50));

        answer.add("Yes, ");
        assertThat(records).containsExactly("Yes, ");

        // a model streaming a token every 20 ms: the next two wait for the interval, the third takes them along
        advance(20);
        answer.add("we ");
        advance(20);
        answer.add("are ");
        assertThat(records).containsExactly("Yes, ");
        advance(20);
        answer.add("open ");
        assertThat(records).containsExactly("Yes, ", "we are open ");

        advance(5);
        answer.add("until five.");
        assertThat(answer.writeRest()).isEqualTo(3);
        assertThat(records).containsExactly("Yes, ", "we are open ", "until five.");
        assertThat(sequences).containsExactly(0, 1, 2);
        assertThat(String.join("", records)).isEqualTo("Yes, we are open until five.");
    }

    @Test
    void theStreamThreadsCheckWritesWhatWaitedWhenTheModelPauses() {
        AnswerFragments answer = fragments(Duration.ofMillis(50));
        answer.add("Let me ");
        advance(10);
        answer.add("check");
        assertThat(answer.due()).isFalse();
        answer.writeIfDue();
        assertThat(records).containsExactly("Let me ");

        advance(39);
        assertThat(answer.due()).isFalse();
        advance(1);
        assertThat(answer.due()).isTrue();
        answer.writeIfDue();
        assertThat(records).containsExactly("Let me ", "check");
        assertThat(answer.due()).as("nothing waits now").isFalse();
        assertThat(answer.writeRest()).isEqualTo(2);
    }

    @Test
    void zeroIntervalWritesEachFragmentOnItsOwn() {
        AnswerFragments answer = fragments(Duration.ZERO);
        answer.add("a");
        answer.add("b");
        answer.add("c");
        assertThat(records).containsExactly("a", "b", "c");
        assertThat(answer.writeRest()).isEqualTo(3);
    }

    @Test
    void anAnswerWithoutFragmentsWritesNothingAndIsWrittenAtOnce() {
        AnswerFragments answer = fragments(Duration.ofMillis(50));
        assertThat(answer.anyReceived()).isFalse();
        assertThat(answer.writeRest()).isZero();
        assertThat(records).isEmpty();
        assertThat(answer.allWritten()).isTrue();
    }

    @Test
    void isWrittenOnlyOnceTheBrokerHasTakenTheLastRecord() {
        AnswerFragments answer = fragments(Duration.ofMillis(50));
        answer.add("Hello");
        assertThat(answer.anyReceived()).isTrue();
        advance(10);
        answer.add(" there");
        answer.writeRest();
        assertThat(answer.allWritten()).isFalse();
        writes.get(1).complete(null);
        assertThat(answer.allWritten()).isTrue();
    }

    @Test
    void theStreamThreadDoesNotWaitWhileAFragmentIsBeingWritten() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AnswerFragments answer = new AnswerFragments(Duration.ofMillis(50), now::get, (sequence, text) -> {
            if (sequence == 1) {
                writing.countDown();
                try {
                    release.await(); // the broker away: send() blocks up to max.block.ms
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CompletableFuture.completedFuture(null);
        });
        answer.add("first");
        advance(60);
        Thread model = Thread.ofPlatform().start(() -> answer.add("second"));
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();

        advance(60);
        long before = System.nanoTime();
        answer.writeIfDue(); // must return at once: the lock is the model thread's
        assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(1));

        release.countDown();
        model.join();
        assertThat(answer.writeRest()).isEqualTo(2);
    }

    @Test
    void refusesANegativeInterval() {
        assertThatThrownBy(() -> fragments(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
