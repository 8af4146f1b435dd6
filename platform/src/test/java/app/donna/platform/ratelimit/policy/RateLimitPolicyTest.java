package app.donna.platform.ratelimit.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitPolicyTest {

    final RateLimitPolicy policy = new RateLimitPolicy("user", 30, 120);

    @Test
    void thePolicyHeaderGivesTheBurstAndTheSecondsToRegainIt() {
        assertThat(policy.policyHeader()).isEqualTo("\"user\";q=30;w=15");
        assertThat(new RateLimitPolicy("user", 3, 1).policyHeader()).isEqualTo("\"user\";q=3;w=180");
    }

    @Test
    void theStandingHeaderGivesCallsLeftAndWholeSecondsUntilAllAreBack() {
        assertThat(policy.standingHeader(RateLimitDecision.allowed(30, Duration.ZERO)))
                .isEqualTo("\"user\";r=30;t=0");
        assertThat(policy.standingHeader(RateLimitDecision.allowed(29, Duration.ofMillis(500))))
                .isEqualTo("\"user\";r=29;t=1");
        assertThat(policy.standingHeader(RateLimitDecision.refused(Duration.ofMillis(400), Duration.ofMillis(15_001))))
                .isEqualTo("\"user\";r=0;t=16");
    }

    @Test
    void waitsAreWholeSecondsRoundedUpAndAtLeastOne() {
        assertThat(RateLimitPolicy.wholeSeconds(Duration.ZERO)).isEqualTo(1);
        assertThat(RateLimitPolicy.wholeSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(RateLimitPolicy.wholeSeconds(Duration.ofMillis(1_001))).isEqualTo(2);
    }

    @Test
    void refusesLimitsThatCannotBeWrittenOrKept() {
        assertThatThrownBy(() -> new RateLimitPolicy("a\"b", 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimitPolicy("user", 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
