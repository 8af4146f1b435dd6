package app.donna.ingress.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalPorts;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * ingress-api while its broker is stopped or its database frozen, inside the test (chat, and the voice
 * endpoints, which share the store): every request is
 * answered within its configured timeout with a 503 problem and {@code Retry-After} (never a 500 or a
 * minute's hang), health says DOWN promptly, and everything works again when the outage ends, without a
 * restart.
 */
@ExtendWith(InfraExtension.class)
@SpringBootTest(
        classes = IngressApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "spring.config.name=" + IngressApplication.CONFIG_NAME)
class ChatApiOutageTest {

    static final int PORT = LocalPorts.free();
    /** Longer than any answer may take: a request still open then counts as hanging. */
    static final Duration HANG = Duration.ofSeconds(20);

    static final IngressUnderTest API = new IngressUnderTest(PORT, HANG);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        IngressUnderTest.properties(registry, PORT);
        registry.add("donna.chat.publish-timeout", () -> "3s");
        registry.add("spring.datasource.hikari.connection-timeout", () -> "1000");
        registry.add("spring.datasource.hikari.data-source-properties.socketTimeout", () -> "2");
    }

    @Autowired
    DevTokenIssuer issuer;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void withTheBrokerStoppedPostsAre503WithinThePublishTimeoutThenWorkAgain() throws Exception {
        String user = issuer.mint("outage-kafka");
        UUID session = UUID.randomUUID();
        assertThat(API.postMessage(user, session, "{\"text\":\"before\"}").statusCode())
                .isEqualTo(202);

        try (SharedInfra.Outage outage = SharedInfra.stopKafka()) {
            HttpResponse<String> message =
                    API.postMessage(user, session, "{\"text\":\"during\",\"clientMessageId\":\"k-1\"}");
            HttpResponse<String> open = http.send(
                    API.request("/api/chat/sessions", user)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(message.statusCode()).isEqualTo(503);
            assertThat(message.headers().firstValue("Retry-After")).isPresent();
            assertThat(message.body())
                    .contains("outcome-unknown")
                    .contains("clientMessageId")
                    .contains("messageId");
            assertThat(open.statusCode()).isEqualTo(503);
            assertThat(open.headers().firstValue("Retry-After")).isPresent();
            await().atMost(HANG).until(() -> health().contains("\"kafka\":{\"status\":\"DOWN\""));
        }

        HttpResponse<String> retried = await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> API.postMessage(user, session, "{\"text\":\"during\",\"clientMessageId\":\"k-1\"}"),
                        r -> r.statusCode() == 202);
        assertThat(retried.body()).contains("\"status\":\"accepted\"");
        await().atMost(Duration.ofSeconds(60)).until(() -> health().contains("\"status\":\"UP\""));
    }

    @Test
    void withTheDatabaseFrozenReadsAndNewSessionsAre503WithinTheTimeoutAndHealthSaysSo() throws Exception {
        String user = issuer.mint("outage-db");
        UUID session = UUID.randomUUID();
        assertThat(API.postMessage(user, session, "{\"text\":\"before\"}").statusCode())
                .isEqualTo(202);

        try (SharedInfra.Outage outage = SharedInfra.pauseDatabase()) {
            HttpResponse<String> history = API.get(user, "/api/chat/sessions/" + session + "/messages");
            HttpResponse<String> fresh = API.postMessage(user, UUID.randomUUID(), "{\"text\":\"new session\"}");
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(API.uri("/actuator/health"))
                            .timeout(HANG)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(history.statusCode()).isEqualTo(503);
            assertThat(history.headers().firstValue("Retry-After")).isPresent();
            assertThat(history.body()).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(fresh.statusCode()).isEqualTo(503);
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("\"db\":{\"status\":\"DOWN\"");
            // the voice endpoints read and write the same store: the same answer, not a hang or a 500
            for (HttpResponse<String> voice : List.of(
                    post(user, "/api/realtime/token", ""),
                    API.get(user, "/api/voice/sessions"),
                    post(
                            user,
                            "/api/voice/events",
                            "{\"voiceSessionId\":\"" + UUID.randomUUID() + "\",\"type\":\"session.started\"}"))) {
                assertThat(voice.statusCode()).as(voice.uri().getPath()).isEqualTo(503);
                assertThat(voice.body()).as(voice.uri().getPath()).contains("unavailable");
                assertThat(voice.headers().firstValue("Retry-After")).isPresent();
            }
            // and so do the Gmail endpoints that read the read models
            for (String path : List.of(
                    "/api/gmail/messages",
                    "/api/gmail/logs",
                    "/api/gmail/connection",
                    "/api/gmail/autopilot",
                    "/api/gmail/autopilot/decisions")) {
                HttpResponse<String> gmail = API.get(user, path);
                assertThat(gmail.statusCode()).as(path).isEqualTo(503);
                assertThat(gmail.body()).as(path).contains("unavailable").doesNotContain("\tat ");
                assertThat(gmail.headers().firstValue("Retry-After")).as(path).isPresent();
            }
        }

        await().atMost(Duration.ofSeconds(60))
                .until(() -> API.get(user, "/api/chat/sessions/" + session + "/messages")
                                .statusCode()
                        == 200);
        assertThat(API.postMessage(user, UUID.randomUUID(), "{\"text\":\"after\"}")
                        .statusCode())
                .isEqualTo(202);
        assertThat(API.get(user, "/api/voice/sessions").statusCode()).isEqualTo(200);
        assertThat(API.get(user, "/api/gmail/messages").statusCode()).isEqualTo(200);
        assertThat(post(user, "/api/realtime/token", "").body())
                .as("past the store again: no key here, so voice says it is offline")
                .contains("voice-offline");
    }

    HttpResponse<String> post(String user, String path, String json) throws Exception {
        return API.send(API.request(path, user)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    // ---- helpers

    String health() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(API.uri("/actuator/health"))
                                .timeout(HANG)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
