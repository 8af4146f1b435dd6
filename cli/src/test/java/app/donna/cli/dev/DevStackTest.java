package app.donna.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import app.donna.devissuer.DevTokenIssuer;
import app.donna.events.email.DraftCreated;
import app.donna.events.email.GmailConnected;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.LocalPostgres;
import app.donna.localinfra.SelfSignedTls;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import app.donna.testing.TopicReader;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * donna dev's stack in this JVM, on the shared broker and an embedded PostgreSQL of its own: every
 * service starts as its own application, answers health with its dependencies UP, the chat slice works
 * through it with a token from the dev issuer, and it stops services before the database without an
 * error. (.ci/dev-smoke does the same through the real ./donna command.)
 */
@ExtendWith(InfraExtension.class)
class DevStackTest {

    final HttpClient http = HttpClient.newHttpClient();
    /** A client that trusts donna dev's self-signed certificate, for the relay on TLS. */
    HttpClient trusted = http;

    @Test
    void everyServiceStartsHealthyTheChatSliceWorksAndAllStopsCleanly(
            InfraExtension.KafkaBootstrap kafka, @TempDir Path home) throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        DevOptions.DEFAULT_PORTS.keySet().forEach(service -> ports.put(service, LocalPorts.free()));
        // the embedded PostgreSQL, as in donna dev; the test JVM's shared broker
        // voice-relay on TLS, with the self-signed certificate donna dev makes (DONNA_VOICE_TLS=self-signed)
        DevOptions options = new DevOptions(
                        home,
                        Optional.of(kafka.servers()),
                        0,
                        Optional.empty(),
                        0,
                        ports,
                        "http://localhost:3000",
                        Map.of())
                .withVoiceTls(true);
        trusted = HttpClient.newBuilder()
                .sslContext(SelfSignedTls.trustingContext(SelfSignedTls.keystore(home)))
                .build();

        try (DevStack stack = DevStack.start(options)) {
            assertThat(stack.services().keySet())
                    .containsExactly(
                            "projections",
                            "ingress-api",
                            "voice-relay",
                            "chat-processor",
                            "email-processor",
                            "abuse-detector");
            for (var service : stack.services().entrySet()) {
                HttpResponse<String> health = get(service.getValue().resolve("/actuator/health"), null);
                assertThat(health.statusCode()).as(service.getKey()).isEqualTo(200);
                assertThat(health.body()).as(service.getKey()).contains("\"kafka\":{\"status\":\"UP\"}");
            }
            assertThat(get(stack.services().get("projections").resolve("/actuator/health"), null)
                            .body())
                    .contains("\"db\":{\"status\":\"UP\"}")
                    .contains("\"projectors\":{\"status\":\"UP\"}");

            URI ingress = stack.services().get("ingress-api");
            assertThat(get(ingress.resolve("/swagger-ui/index.html"), null).statusCode())
                    .as("donna dev serves Swagger UI")
                    .isEqualTo(200);
            assertThat(get(ingress.resolve("/v3/api-docs"), null).body()).contains("\"openapi\":\"3.1");
            String token = JsonMapper.builder()
                    .build()
                    .readTree(get(ingress.resolve("/dev/token?sub=dev-user"), null)
                            .body())
                    .get("access_token")
                    .asString();
            UUID session = UUID.randomUUID();
            URI messages = ingress.resolve("/api/chat/sessions/" + session + "/messages");
            HttpResponse<String> posted = http.send(
                    HttpRequest.newBuilder(messages)
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hello from donna dev\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).isEqualTo(202);
            // without an OpenAI key, the offline responder answers, marked degraded
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(messages, token).body(),
                            body -> body.contains("hello from donna dev")
                                    && body.contains("\"role\":\"assistant\"")
                                    && body.contains("\"degraded\":true"));
            // the default workspace's owner sets its persona; a visitor then hears it, and the owner reads
            // the visitor's chat
            String owner = JsonMapper.builder()
                    .build()
                    .readTree(get(ingress.resolve("/dev/token?sub=" + DevStack.DEMO_OWNER), null)
                            .body())
                    .get("access_token")
                    .asString();
            HttpResponse<String> persona = http.send(
                    HttpRequest.newBuilder(ingress.resolve("/api/workspace/persona"))
                            .header("Authorization", "Bearer " + owner)
                            .header("Content-Type", "application/json")
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"businessName\":\"Dev Persona Salon\","
                                    + "\"hours\":\"Sundays only, 10 to 2\",\"tone\":\"brisk\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(persona.statusCode()).as(persona.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(ingress.resolve("/api/workspace/persona"), owner)
                                    .body(),
                            body -> body.contains("\"source\":\"workspace\""));
            HttpResponse<String> opened = http.send(
                    HttpRequest.newBuilder(ingress.resolve("/api/chat/sessions"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            tools.jackson.databind.JsonNode visit = JsonMapper.builder().build().readTree(opened.body());
            URI visitorMessages = ingress.resolve(
                    "/api/chat/sessions/" + visit.get("sessionId").asString() + "/messages");
            String visitor = visit.get("token").asString();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                // the chat service reads the persona from donna.workspace as the projector does; ask until
                // it has (the first answer may come before)
                post(visitorMessages, visitor, "{\"text\":\"What are your opening hours?\"}");
                Thread.sleep(2_000);
                return get(visitorMessages, owner).body().contains("Sundays only, 10 to 2");
            });
            assertThat(get(visitorMessages, token).statusCode())
                    .as("another signed-in user is no member")
                    .isEqualTo(404);
            // the owner takes the visitor's chat over: the visitor's next message gets no assistant reply, the
            // owner's reply reaches the visitor as staff's turn, and after the hand-back the assistant answers
            URI visitorSession = ingress.resolve(
                    "/api/chat/sessions/" + visit.get("sessionId").asString());
            assertThat(post(visitorSession.resolve(visitorSession.getPath() + "/takeover"), owner, "")
                            .statusCode())
                    .isEqualTo(202);
            post(visitorMessages, visitor, "{\"text\":\"Can a real person check my booking?\"}");
            assertThat(post(
                                    visitorSession.resolve(visitorSession.getPath() + "/staff-replies"),
                                    owner,
                                    "{\"text\":\"Hi, the owner here: you are booked for Sunday at 11.\"}")
                            .statusCode())
                    .isEqualTo(202);
            String duringTakeover = await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(visitorMessages, visitor).body(),
                            body -> body.contains("\"role\":\"staff\"") && body.contains("Can a real person check"));
            // the staff reply is handled after the visitor's message, in one partition's order: by now that
            // message was heard and not answered
            String afterQuestion = duringTakeover.substring(duringTakeover.indexOf("Can a real person check"));
            assertThat(afterQuestion.substring(0, afterQuestion.indexOf("the owner here")))
                    .as("no assistant reply while taken over")
                    .doesNotContain("\"role\":\"assistant\"");
            assertThat(post(visitorSession.resolve(visitorSession.getPath() + "/handback"), owner, "")
                            .statusCode())
                    .isEqualTo(202);
            post(visitorMessages, visitor, "{\"text\":\"Thanks! Do you also do colouring?\"}");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                String body = get(visitorMessages, visitor).body();
                int asked = body.indexOf("Do you also do colouring?");
                return asked >= 0 && body.substring(asked).contains("\"role\":\"assistant\"");
            });

            assertThat(get(stack.services().get("voice-relay").resolve("/actuator/prometheus"), null)
                            .statusCode())
                    .as("metrics need the internal secret")
                    .isEqualTo(401);
            // the relay checks the dev issuer's tokens, and without an OpenAI key says voice is offline
            assertThat(closeOfACall(stack.services().get("voice-relay"), token))
                    .startsWith("1013 ")
                    .contains("Voice is offline");

            // without a Google client, Gmail connects the demo mailbox: start, consent, callback, as a browser
            assertThat(stack.demoMailbox()).contains("demo@donna.example");
            HttpResponse<String> started = get(ingress.resolve("/api/gmail/oauth/start"), token);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(302);
            String cookie =
                    started.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            HttpResponse<Void> consented = http.send(
                    HttpRequest.newBuilder(URI.create(
                                    started.headers().firstValue("Location").orElseThrow()))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            URI callback = URI.create(consented.headers().firstValue("Location").orElseThrow());
            assertThat(callback.getPath()).isEqualTo("/api/gmail/oauth/callback");
            HttpResponse<Void> back = http.send(
                    HttpRequest.newBuilder(callback).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(back.headers().firstValue("Location").orElseThrow()).endsWith("gmail=connecting");
            TopicReader.readUntilFound(
                    kafka.servers(),
                    Topics.EMAIL_EVENTS.name(),
                    r -> EventCodec.bundled().decode(r.value()) instanceof GmailConnected c
                            && c.getUserId().equals("dev-user")
                            && c.getEmailAddress().equals("demo@donna.example"),
                    Duration.ofSeconds(60));
            // and the read model tells the user (projections, through ingress-api)
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(ingress.resolve("/api/gmail/connection"), token)
                                    .body(),
                            body -> body.contains("\"status\":\"connected\"") && body.contains("demo@donna.example"));
            // the demo mailbox's sample mail is synced into the inbox, list mail and the auto-reply marked
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(ingress.resolve("/api/gmail/messages"), token)
                                    .body(),
                            body -> body.contains("Do you do balayage on Saturdays?")
                                    && body.contains("Urgent instructions for the assistant")
                                    && body.contains("\"automated\":true"));
            // a reply to the customer's question: drafted (offline: the acknowledgement), sent, and logged
            String inbox = get(ingress.resolve("/api/gmail/messages"), token).body();
            tools.jackson.databind.JsonNode question = null;
            for (tools.jackson.databind.JsonNode m :
                    JsonMapper.builder().build().readTree(inbox).get("messages")) {
                if (m.get("subject").asString().equals("Do you do balayage on Saturdays?")) {
                    question = m;
                }
            }
            assertThat(question).as(inbox).isNotNull();
            HttpResponse<String> drafting = post(
                    ingress.resolve("/api/gmail/draft-reply"),
                    token,
                    "{\"messageId\":\"" + question.get("id").asString() + "\"}");
            assertThat(drafting.statusCode()).as(drafting.body()).isEqualTo(202);
            TopicReader.readUntilFound(
                    kafka.servers(),
                    Topics.EMAIL_EVENTS.name(),
                    r -> EventCodec.bundled().decode(r.value()) instanceof DraftCreated d
                            && d.getUserId().equals("dev-user")
                            && d.getDegraded()
                            && d.getGmailDraftId() != null,
                    Duration.ofSeconds(60));
            HttpResponse<String> sending = post(
                    ingress.resolve("/api/gmail/send"),
                    token,
                    "{\"to\":[\"Ana Ruiz <ana.ruiz@example.com>\"],\"subject\":\"Re: Do you do balayage on Saturdays?\","
                            + "\"body\":\"Yes, from 9 to 1. See you Saturday!\",\"inReplyTo\":\""
                            + question.get("id").asString() + "\"}");
            assertThat(sending.statusCode()).as(sending.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> get(ingress.resolve("/api/gmail/logs"), token).body(),
                            body -> body.contains("\"outcome\":\"sent\"")
                                    && body.contains("Re: Do you do balayage on Saturdays?"));
            assertThat(Files.readString(home.resolve("secret-keys")))
                    .as("the key it made")
                    .startsWith("dev:");

            // services stop before the database they use, and nothing fails on the way down
            List<Logged> stopping = logDuring(stack::close);
            List<String> lines =
                    stopping.stream().map(l -> l.event().getFormattedMessage()).toList();
            assertThat(stopping)
                    .filteredOn(l -> l.event().getLevel().isGreaterOrEqual(Level.ERROR))
                    .extracting(l -> l.event().getFormattedMessage())
                    .isEmpty();
            assertThat(indexOf(lines, "Projector chat stopped"))
                    .as("projector stopped, in %s", lines)
                    .isNotNegative()
                    .isLessThan(indexOf(lines, "PostgreSQL on "));

            // each line names its service, also from threads the service started (the projector's consumer)
            Logged projectorReleased = stopping.get(indexOf(lines, "Projector chat released"));
            assertThat(projectorReleased.event().getThreadName())
                    .isNotEqualTo(Thread.currentThread().getName());
            assertThat(projectorReleased.service()).isEqualTo("projections");
            assertThat(stopping.get(indexOf(lines, "PostgreSQL on ")).service()).isEqualTo("postgres");
            assertThat(stopping)
                    .filteredOn(l -> l.event().getLoggerName().startsWith("org.springframework.boot"))
                    .extracting(Logged::service)
                    .isNotEmpty()
                    .doesNotContain("");
        }
    }

    /** Opens a call to the relay as a server client would, and returns how it was closed: code and reason. */
    private String closeOfACall(URI relay, String token) {
        CompletableFuture<String> closed = new CompletableFuture<>();
        trusted.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(
                        URI.create((relay.getScheme().equals("https") ? "wss://" : "ws://") + relay.getAuthority()
                                + "/v1/realtime?model=gpt-realtime"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
                                closed.complete(code + " " + reason);
                                return null;
                            }

                            @Override
                            public void onError(WebSocket socket, Throwable error) {
                                closed.complete("error " + error);
                            }
                        })
                .orTimeout(20, TimeUnit.SECONDS)
                .join();
        return closed.orTimeout(20, TimeUnit.SECONDS).join();
    }

    @Test
    void anIssuerFromTheEnvironmentReplacesTheDevTokenIssuer(InfraExtension.KafkaBootstrap kafka, @TempDir Path home)
            throws Exception {
        // given an issuer of the user's own that publishes its keys, named in the environment
        DevTokenIssuer theirs = new DevTokenIssuer(
                "https://issuer.example.test/", List.of("their-api"), Duration.ofMinutes(5), Clock.systemUTC());
        HttpServer keys = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        keys.createContext("/jwks.json", exchange -> {
            byte[] body = new JWKSet(theirs.publicKey()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keys.start();
        SharedInfra.Database db = SharedInfra.newDatabase("dev_stack_issuer");
        // only ingress-api runs here; the schema (session claims included) is projections' to create
        org.flywaydb.core.Flyway.configure()
                .dataSource(db.jdbcUrl(), db.username(), db.password())
                .load()
                .migrate();
        DevOptions fromEnvironment = DevOptions.fromEnvironment(Map.of(
                "DONNA_JWT_ISSUER_URI", "https://issuer.example.test/",
                "DONNA_JWT_JWK_SET_URI", "http://127.0.0.1:" + keys.getAddress().getPort() + "/jwks.json",
                "DONNA_JWT_AUDIENCES", "their-api"));
        DevOptions options = new DevOptions(
                home,
                Optional.of(kafka.servers()),
                0,
                Optional.of(new DevOptions.Database(db.jdbcUrl(), db.username(), db.password())),
                0,
                Map.of("ingress-api", LocalPorts.free()),
                "",
                Map.of(),
                fromEnvironment.tokens(),
                false,
                true,
                Optional.empty());

        // when donna dev starts (ingress-api is enough here)
        try (DevStack stack = DevStack.start(options)) {
            URI ingress = stack.services().get("ingress-api");

            // then their tokens are accepted, and there is no dev token issuer, as the banner says
            HttpResponse<String> opened = http.send(
                    HttpRequest.newBuilder(ingress.resolve("/api/chat/sessions"))
                            .header("Authorization", "Bearer " + theirs.mint("carol"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(opened.statusCode()).as(opened.body()).isEqualTo(201);
            assertThat(opened.body())
                    .as("a signed-in user gets no visitor token")
                    .doesNotContain("\"token\"");
            DevTokenIssuer foreign = new DevTokenIssuer(
                    "https://issuer.example.test/", List.of("their-api"), Duration.ofMinutes(5), Clock.systemUTC());
            assertThat(get(ingress.resolve("/api/chat/sessions"), foreign.mint("mallory"))
                            .statusCode())
                    .as("signed by another key")
                    .isEqualTo(401);
            assertThat(get(ingress.resolve("/dev/token?sub=alice"), null).statusCode())
                    .isEqualTo(401);
            assertThat(DevCommand.banner(options, stack, Duration.ZERO))
                    .contains("https://issuer.example.test/ (DONNA_JWT_ISSUER_URI), audience their-api")
                    .contains("the dev token issuer (/dev/token) is off")
                    .doesNotContain("/dev/token?sub=");
        } finally {
            keys.stop(0);
        }
    }

    @Test
    void aBusyPortIsReportedWithTheVariableThatMovesIt(@TempDir Path home) throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            Map<String, Integer> ports = new LinkedHashMap<>(DevOptions.DEFAULT_PORTS);
            ports.put("ingress-api", busy.getLocalPort());
            DevOptions options =
                    new DevOptions(home, Optional.of("127.0.0.1:1"), 0, Optional.empty(), 0, ports, "", Map.of());

            assertThatThrownBy(() -> DevStack.start(options))
                    .isInstanceOf(DevStack.DevStackException.class)
                    .hasMessageContaining("Port " + busy.getLocalPort())
                    .hasMessageContaining("DONNA_INGRESS_API_PORT=");
        }
    }

    @Test
    void aDataFolderAnotherDonnaDevUsesIsRefusedWithWhatToDo(@TempDir Path home) {
        try (LocalPostgres running = LocalPostgres.start(home.resolve("postgres"), 0)) {
            DevOptions options = new DevOptions(
                    home, Optional.of("127.0.0.1:1"), 0, Optional.empty(), 0, DevOptions.DEFAULT_PORTS, "", Map.of());

            assertThatThrownBy(() -> DevStack.start(options))
                    .isInstanceOf(DevStack.DevStackException.class)
                    .hasMessageContaining(
                            "Another donna dev (pid " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("DONNA_HOME");
        }
    }

    @Test
    void withoutEmbeddedPostgresForThePlatformItSaysToSetDonnaDbUrl() {
        assertThatThrownBy(() -> DevStack.requireEmbeddedPostgres("Linux", "s390x"))
                .isInstanceOf(DevStack.DevStackException.class)
                .hasMessageContaining("no embedded PostgreSQL for Linux s390x")
                .hasMessageContaining("set DONNA_DB_URL");
        assertThatCode(() -> DevStack.requireEmbeddedPostgres("Linux", "aarch64"))
                .doesNotThrowAnyException();
    }

    @Test
    void optionsComeFromTheEnvironment() {
        DevOptions options = DevOptions.fromEnvironment(Map.of(
                "DONNA_HOME",
                "/tmp/x",
                "DONNA_INGRESS_API_PORT",
                "9999",
                "DONNA_DB_URL",
                "jdbc:postgresql://db/donna"));

        assertThat(options.home()).isEqualTo(Path.of("/tmp/x"));
        assertThat(options.ports()).containsEntry("ingress-api", 9999).containsEntry("projections", 8085);
        assertThat(options.database())
                .hasValue(new DevOptions.Database("jdbc:postgresql://db/donna", "donna", "donna"));
        assertThat(DevOptions.fromEnvironment(Map.of(
                                "DONNA_DB_URL",
                                "jdbc:postgresql://db/donna",
                                "DONNA_DB_USER",
                                "me",
                                "DONNA_DB_PASSWORD",
                                "secret"))
                        .database())
                .hasValue(new DevOptions.Database("jdbc:postgresql://db/donna", "me", "secret"));
        assertThat(DevOptions.fromEnvironment(Map.of()).database())
                .as("embedded")
                .isEmpty();
        assertThat(options.gmailDemo()).as("no Google client: the demo mailbox").isTrue();
        assertThat(options.secretKeys()).isEmpty();
        DevOptions withGoogle = DevOptions.fromEnvironment(
                Map.of("DONNA_GMAIL_CLIENT_ID", "real.apps.googleusercontent.com", "DONNA_SECRET_KEYS", "k:abc"));
        assertThat(withGoogle.gmailDemo()).isFalse();
        assertThat(withGoogle.secretKeys()).contains("k:abc");
        assertThat(options.kafkaBootstrap()).isEmpty();
        assertThat(options.tokens().devIssuer()).isTrue();
        assertThat(options.tokens().audiences()).isEqualTo("donna-api");
        assertThat(options.voiceTls()).isFalse();
        assertThat(DevOptions.fromEnvironment(Map.of("DONNA_VOICE_TLS", "self-signed"))
                        .voiceTls())
                .isTrue();
        assertThatThrownBy(() -> DevOptions.fromEnvironment(Map.of("DONNA_VOICE_TLS", "yes")))
                .hasMessageContaining("DONNA_VOICE_TLS must be off or self-signed");
        DevOptions.Tokens tokens = DevOptions.fromEnvironment(
                        Map.of("DONNA_JWT_ISSUER_URI", "https://id.example/", "DONNA_JWT_AUDIENCES", "a,b"))
                .tokens();
        assertThat(tokens.devIssuer()).isFalse();
        assertThat(tokens.issuerUri()).hasValue("https://id.example/");
        assertThat(tokens.jwkSetUri()).isEmpty();
        assertThat(tokens.audiences()).isEqualTo("a,b");
        assertThat(DevOptions.fromEnvironment(Map.of("DONNA_JWT_JWK_SET_URI", "https://id.example/keys"))
                        .tokens()
                        .devIssuer())
                .isFalse();
        assertThatThrownBy(() -> DevOptions.fromEnvironment(Map.of("DONNA_KAFKA_PORT", "lots")))
                .hasMessageContaining("DONNA_KAFKA_PORT must be a port number");
    }

    /** A log event and its {@code %service}, taken on the thread that logged it. */
    private record Logged(ILoggingEvent event, String service) {}

    /** What is logged while {@code action} runs (attached afterwards: each service start resets logback). */
    private static List<Logged> logDuring(Runnable action) {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        List<Logged> logged = new CopyOnWriteArrayList<>();
        ServiceNameConverter service = new ServiceNameConverter();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                logged.add(new Logged(event, service.convert(event)));
            }
        };
        appender.start();
        root.addAppender(appender);
        try {
            action.run();
        } finally {
            root.detachAppender(appender);
        }
        return List.copyOf(logged);
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private HttpResponse<String> post(URI uri, String token, String json) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return (uri.getScheme().equals("https") ? trusted : http)
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
