package app.donna.voice.relay;

import app.donna.localinfra.StandInRealtime;
import java.net.URI;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The settings every relay test sets: its port, the dev issuer's tokens, and the stand-in model. */
final class RelayUnderTest {

    private RelayUnderTest() {}

    static void properties(DynamicPropertyRegistry registry, int port, StandInRealtime model, String serverKey) {
        registry.add("server.port", () -> port);
        registry.add("donna.dev.token-issuer.enabled", () -> "true");
        registry.add("donna.security.jwt.issuer-uri", () -> "http://127.0.0.1:" + port + "/dev");
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        registry.add("donna.rate-limit.per-user-burst", () -> "100000");
        registry.add("donna.rate-limit.per-ip-burst", () -> "100000");
        registry.add("donna.voice.api-key", () -> serverKey);
        registry.add("donna.voice.base-url", model::baseUrl);
    }

    /** The relay's Realtime endpoint, as an SDK built on base URL {@code http://127.0.0.1:<port>/v1} opens it. */
    static URI relay(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/v1/realtime?model=gpt-realtime");
    }
}
