package app.donna.chat.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookRulesTest {

    static final byte[] SECRET = "a-signing-secret-of-32-bytes-or-more!".getBytes(StandardCharsets.UTF_8);

    @Test
    void aReceiverVerifiesTheSignatureAndRefusesTamperingOtherKeysAndOldTimestamps() {
        String body = "{\"id\":\"a1\",\"type\":\"secretary.take_message\"}";
        String header = WebhookSignature.sign(SECRET, 1_700_000_000L, body);

        assertThat(header).startsWith("t=1700000000,v1=");
        assertThat(WebhookSignature.verify(SECRET, header, body, 1_700_000_100L, 300))
                .isTrue();
        assertThat(WebhookSignature.verify(SECRET, header, body.replace("a1", "a2"), 1_700_000_100L, 300))
                .isFalse();
        assertThat(WebhookSignature.verify(
                        "another-secret-of-32-bytes-or-more!!".getBytes(StandardCharsets.UTF_8),
                        header,
                        body,
                        1_700_000_100L,
                        300))
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, header, body, 1_700_000_000L + 301, 300))
                .as("a replay after the tolerance")
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, "t=1700000000", body, 1_700_000_000L, 300))
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, null, body, 1_700_000_000L, 300))
                .isFalse();
    }

    @Test
    void internalAddressesAreRefusedUnlessListed() throws Exception {
        URI hook = URI.create("https://hooks.example/donna");
        for (String internal : List.of(
                "127.0.0.1",
                "10.1.2.3",
                "172.16.0.1",
                "192.168.1.1",
                "169.254.169.254",
                "100.64.0.1",
                "0.0.0.0",
                "::1",
                "fd00::1",
                "fe80::1",
                "::ffff:127.0.0.1",
                "224.0.0.1")) {
            assertThat(WebhookTargets.refusal(hook, List.of(InetAddress.getByName(internal)), Set.of()))
                    .as(internal)
                    .isPresent();
        }
        assertThat(WebhookTargets.refusal(hook, List.of(InetAddress.getByName("93.184.215.14")), Set.of()))
                .isEmpty();
        assertThat(WebhookTargets.refusal(
                        hook,
                        List.of(InetAddress.getByName("93.184.215.14"), InetAddress.getByName("10.0.0.5")),
                        Set.of()))
                .as("one internal address among public ones is enough to refuse")
                .isPresent();
        assertThat(WebhookTargets.refusal(hook, List.of(InetAddress.getByName("127.0.0.1")), Set.of("127.0.0.1")))
                .isEmpty();
    }

    @Test
    void onlyHttpWithoutCredentials() throws Exception {
        List<InetAddress> publicAddress = List.of(InetAddress.getByName("93.184.215.14"));
        assertThat(WebhookTargets.refusal(URI.create("ftp://hooks.example/x"), publicAddress, Set.of()))
                .isPresent();
        assertThat(WebhookTargets.refusal(URI.create("file:///etc/passwd"), publicAddress, Set.of()))
                .isPresent();
        assertThat(WebhookTargets.refusal(URI.create("https://user:pw@hooks.example/x"), publicAddress, Set.of()))
                .isPresent();
        assertThat(WebhookTargets.refusal(URI.create("http://hooks.example/x"), publicAddress, Set.of()))
                .isEmpty();
    }

    @Test
    void whatAnAnswerMeansAndHowLongToWait() {
        assertThat(DeliveryPlan.verdict(200)).isEqualTo(DeliveryPlan.Verdict.DELIVERED);
        assertThat(DeliveryPlan.verdict(204)).isEqualTo(DeliveryPlan.Verdict.DELIVERED);
        assertThat(DeliveryPlan.verdict(500)).isEqualTo(DeliveryPlan.Verdict.RETRY);
        assertThat(DeliveryPlan.verdict(503)).isEqualTo(DeliveryPlan.Verdict.RETRY);
        assertThat(DeliveryPlan.verdict(429)).isEqualTo(DeliveryPlan.Verdict.RETRY);
        assertThat(DeliveryPlan.verdict(408)).isEqualTo(DeliveryPlan.Verdict.RETRY);
        assertThat(DeliveryPlan.verdict(301)).as("redirects are not followed").isEqualTo(DeliveryPlan.Verdict.GIVE_UP);
        assertThat(DeliveryPlan.verdict(404)).isEqualTo(DeliveryPlan.Verdict.GIVE_UP);
        assertThat(DeliveryPlan.verdict(401)).isEqualTo(DeliveryPlan.Verdict.GIVE_UP);

        DeliveryPlan plan = new DeliveryPlan(4, Duration.ofSeconds(1), 4);
        assertThat(plan.waitAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(plan.waitAfter(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(plan.waitAfter(3)).isEqualTo(Duration.ofSeconds(16));
        assertThat(plan.anotherAfter(3)).isTrue();
        assertThat(plan.anotherAfter(4)).isFalse();
    }
}
