package app.donna.ingress.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalPorts;
import app.donna.testing.InfraExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two ingress-api instances on one database, as behind a load balancer: a user's limit is one limit,
 * counted in the shared buckets, not one per instance. The first instance hosts the dev issuer; the second
 * trusts it as any service trusts its identity provider.
 */
@ExtendWith(InfraExtension.class)
class RateLimitsAcrossInstancesTest {

    static final int BURST = 4;
    static final int FIRST_PORT = LocalPorts.free();
    static final int SECOND_PORT = LocalPorts.free();
    static final IngressUnderTest FIRST = new IngressUnderTest(FIRST_PORT, Duration.ofSeconds(10));
    static final IngressUnderTest SECOND = new IngressUnderTest(SECOND_PORT, Duration.ofSeconds(10));

    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    static DevTokenIssuer issuer;

    @BeforeAll
    static void startTwoInstances() {
        first = start(IngressUnderTest.properties(FIRST_PORT));
        issuer = first.getBean(DevTokenIssuer.class);
        Map<String, Object> secondProperties = IngressUnderTest.properties(SECOND_PORT);
        secondProperties.put("donna.dev.token-issuer.enabled", "false");
        secondProperties.put("donna.security.jwt.issuer-uri", issuer.issuer());
        secondProperties.put("donna.security.jwt.jwk-set-uri", issuer.issuer() + "/jwks.json");
        second = start(secondProperties);
        // the second instance fetches the issuer's keys in the background; wait with a user of its own
        String warmUp = issuer.mint("limits-warm-up");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> SECOND.get(warmUp, "/api/chat/sessions").statusCode() == 200);
    }

    static ConfigurableApplicationContext start(Map<String, Object> properties) {
        properties.put("donna.rate-limit.per-user-burst", BURST);
        properties.put("donna.rate-limit.per-user-per-minute", 1);
        properties.put("donna.rate-limit.per-ip-burst", 100_000);
        // as arguments: they must outweigh ingress-api.yml, as the test's dynamic properties do
        return IngressApplication.application()
                .run(properties.entrySet().stream()
                        .map(p -> "--" + p.getKey() + "=" + p.getValue())
                        .toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    @Test
    void aUsersCallsSpreadOverTwoInstancesCountAgainstOneLimit() throws Exception {
        String token = issuer.mint("limits-spread-user");
        List<IngressUnderTest> alternating = List.of(FIRST, SECOND, FIRST, SECOND);

        for (int call = 0; call < BURST; call++) {
            HttpResponse<String> allowed = alternating.get(call).get(token, "/api/chat/sessions");
            assertThat(allowed.statusCode()).as("call %d", call).isEqualTo(200);
            int left = BURST - 1 - call;
            assertThat(allowed.headers().allValues("RateLimit"))
                    .as("call %d", call)
                    .anyMatch(v -> v.startsWith("\"user\";r=" + left + ";"));
        }

        for (IngressUnderTest instance : List.of(FIRST, SECOND)) {
            HttpResponse<String> limited = instance.get(token, "/api/chat/sessions");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
            assertThat(limited.headers().allValues("RateLimit")).anyMatch(v -> v.startsWith("\"user\";r=0;t="));
            assertThat(limited.headers().allValues("RateLimit-Policy"))
                    .anyMatch(v -> v.equals("\"user\";q=" + BURST + ";w=" + BURST * 60));
            assertThat(limited.body()).contains("\"status\":429").contains("rate-limited");
        }
        assertThat(SECOND.get(issuer.mint("limits-other-user"), "/api/chat/sessions")
                        .statusCode())
                .as("other users are not affected")
                .isEqualTo(200);
    }
}
