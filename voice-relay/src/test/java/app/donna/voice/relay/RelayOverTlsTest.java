package app.donna.voice.relay;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.SelfSignedTls;
import app.donna.localinfra.StandInRealtime;
import app.donna.platform.security.AnonymousSessionTokens;
import app.donna.testing.InfraExtension;
import app.donna.testing.RealtimeCaller;
import app.donna.testing.SharedInfra;
import app.donna.voice.VoiceRelayApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The relay with a certificate configured (an SSL bundle, as {@code donna dev} makes one): callers connect
 * with {@code wss://}, as the OpenAI SDKs do; a client that does not trust the certificate, or speaks plain
 * {@code ws://}, gets no call.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = VoiceRelayApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + VoiceRelayApplication.CONFIG_NAME)
class RelayOverTlsTest {

    static final int PORT = LocalPorts.free();
    static final String SERVER_KEY = "sk-server-" + UUID.randomUUID();
    static final String VISITOR_SECRET = "a-test-secret-of-at-least-32-bytes!!";
    static final StandInRealtime MODEL = new StandInRealtime(SERVER_KEY);
    static final Path KEYSTORE = SelfSignedTls.keystore(SharedInfra.scratchDir("relay-tls"));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        RelayUnderTest.properties(registry, PORT, MODEL, SERVER_KEY);
        registry.add("donna.security.anonymous.secret", () -> VISITOR_SECRET);
        SelfSignedTls.serverProperties(KEYSTORE).forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopModel() {
        MODEL.close();
    }

    @Test
    void aCallerConnectsWithWssAndOnlyWithTrustedTls() throws Exception {
        String visitor = new AnonymousSessionTokens(VISITOR_SECRET, Duration.ofMinutes(5), Clock.systemUTC())
                .mint(UUID.randomUUID(), "default");
        URI wss = URI.create("wss://127.0.0.1:" + PORT + "/v1/realtime?model=gpt-realtime");
        HttpClient trusting = HttpClient.newBuilder()
                .sslContext(SelfSignedTls.trustingContext(KEYSTORE))
                .build();

        try (RealtimeCaller caller = RealtimeCaller.serverClient(trusting, wss, visitor)) {
            caller.next("session.updated");
        }
        assertThatThrownBy(() -> RealtimeCaller.serverClient(wss, visitor))
                .as("a client that does not trust the certificate")
                .hasStackTraceContaining("SSLHandshakeException");
        assertThatThrownBy(() -> RealtimeCaller.serverClient(RelayUnderTest.relay(PORT), visitor))
                .as("plain ws:// to a TLS port")
                .isInstanceOf(Exception.class);
    }
}
