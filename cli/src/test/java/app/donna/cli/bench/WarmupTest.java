package app.donna.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarmupTest {

    private static final long SECOND = 1_000_000_000L;

    /** The compiler's clock: milliseconds of compiling so far, advanced by the test. */
    private final AtomicLong compiled = new AtomicLong();

    private Warmup warmup(int minSeconds, int maxSeconds) {
        return new Warmup(Duration.ofSeconds(minSeconds), Duration.ofSeconds(maxSeconds), compiled::get, 0);
    }

    /** Advances one second in which the compiler spends {@code millis}; returns whether the warm-up is over. */
    private boolean second(Warmup warmup, int at, long millis) {
        compiled.addAndGet(millis);
        return warmup.over(at * SECOND);
    }

    @Test
    void goesOnPastItsMinimumWhileTheCompilerIsBusy() {
        Warmup warmup = warmup(5, 300);
        for (int t = 1; t <= 60; t++) {
            assertThat(second(warmup, t, 400)).as("second %d", t).isFalse(); // 40 % of one core
        }
        assertThat(warmup.outcome())
                .isEqualTo("warming up: 60 s so far, the JIT compiler at 40 % of one core over the last 10 s");
    }

    @Test
    void endsOnceTheCompilerHasBeenQuietForTheWholeSpan() {
        Warmup warmup = warmup(5, 300);
        for (int t = 1; t <= 30; t++) {
            assertThat(second(warmup, t, 1000)).isFalse(); // a whole core's worth each second
        }
        // quiet from second 31: not over until ten quiet seconds are all the span holds
        int over = -1;
        for (int t = 31; t <= 60 && over < 0; t++) {
            if (second(warmup, t, 10)) {
                over = t;
            }
        }
        assertThat(over).isEqualTo(40);
        assertThat(warmup.outcome()).startsWith("warm-up ended after 40 s: the JIT compiler settled (1 %");
    }

    @Test
    void neverEndsBeforeItsMinimumEvenWhenQuiet() {
        Warmup warmup = warmup(20, 300);
        for (int t = 1; t < 20; t++) {
            assertThat(second(warmup, t, 0)).isFalse();
        }
        assertThat(second(warmup, 20, 0)).isTrue();
    }

    @Test
    void endsAtItsCapAndSaysTheCompilerWasStillBusy() {
        Warmup warmup = warmup(5, 45);
        for (int t = 1; t < 45; t++) {
            assertThat(second(warmup, t, 300)).isFalse();
        }
        assertThat(second(warmup, 45, 300)).isTrue();
        assertThat(warmup.outcome())
                .startsWith("warm-up ended at its cap of 45 s with the JIT compiler still busy (30 %");
    }

    @Test
    void refusesACapBelowItsMinimum() {
        assertThatThrownBy(() -> warmup(60, 30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shorter than the least");
    }
}
