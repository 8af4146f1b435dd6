package app.donna.ingress.chat;

import org.springframework.test.context.DynamicPropertyRegistry;

/** What every test of ingress-api alone sets: its port, the dev issuer's tokens, and the schema. */
final class IngressUnderTest {

    private IngressUnderTest() {}

    static void properties(DynamicPropertyRegistry registry, int port) {
        registry.add("server.port", () -> port);
        registry.add("donna.dev.token-issuer.enabled", () -> "true");
        registry.add("donna.security.jwt.issuer-uri", () -> "http://127.0.0.1:" + port + "/dev");
        registry.add("donna.security.jwt.audiences", () -> "donna-api");
        // the schema is projections'; these tests have no projector, so ingress-api migrates the database
        registry.add("spring.flyway.enabled", () -> "true");
        registry.add("spring.datasource.hikari.read-only", () -> "false");
    }
}
