package app.donna.cli.dev;

import app.donna.abuse.AbuseDetectorApplication;
import app.donna.chat.ChatProcessorApplication;
import app.donna.email.EmailProcessorApplication;
import app.donna.ingress.IngressApplication;
import app.donna.localinfra.LocalKafka;
import app.donna.localinfra.LocalPostgres;
import app.donna.localinfra.SelfSignedTls;
import app.donna.localinfra.StandInGoogle;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.projections.ProjectionsApplication;
import app.donna.voice.VoiceRelayApplication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system in one process: a real Kafka broker and PostgreSQL (embedded unless configured),
 * then every service as its own Spring application context on its own port, the way each would run
 * alone. ingress-api hosts the dev token issuer, and every service verifies tokens against it, unless
 * an issuer is configured ({@link DevOptions.Tokens}): then that issuer's tokens are accepted and
 * {@code /dev/token} does not exist.
 */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);
    private static final String DATABASE = "donna";

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<String, URI> services = new LinkedHashMap<>();
    private String kafkaBootstrap;
    private String jdbcUrl;
    private String internalSecret;
    private StandInGoogle demoGoogle;

    /** The stand-in Google's client, and the mailbox every consent connects, in donna dev's demo. */
    static final String DEMO_GMAIL_CLIENT = "donna-dev-demo.apps.googleusercontent.com";

    static final String DEMO_MAILBOX = "demo@donna.example";
    /** The web console's client id at the dev issuer. */
    static final String CONSOLE_CLIENT = "donna-console";
    /** Who owns the default workspace in {@code donna dev}, unless {@code DONNA_WORKSPACE_OWNERS} says. */
    static final String DEMO_OWNER = "owner";

    private DevStack() {}

    /** Starts everything, or stops what it started and throws if any part fails. */
    public static DevStack start(DevOptions options) {
        DevStack stack = new DevStack();
        try {
            stack.startAll(options);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    public Map<String, URI> services() {
        return services;
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String internalSecret() {
        return internalSecret;
    }

    private void startAll(DevOptions options) {
        Path postgresData = options.home().resolve("postgres");
        if (options.database().isEmpty()) {
            requireEmbeddedPostgres(System.getProperty("os.name"), System.getProperty("os.arch"));
            // first: refuses a folder another donna dev uses, and frees the port of a server a killed one left
            ServiceNameConverter.runAs("postgres", () -> reclaimPostgresData(postgresData, options.home()));
        }
        options.ports()
                .forEach((service, port) -> requireFreePort(
                        service, "DONNA_" + service.toUpperCase().replace('-', '_') + "_PORT", port));
        kafkaBootstrap = options.kafkaBootstrap().orElseGet(() -> {
            requireFreePort("the embedded Kafka broker", "DONNA_KAFKA_PORT", options.kafkaPort());
            LocalKafka kafka = ServiceNameConverter.runAs(
                    "kafka", () -> LocalKafka.start(options.home().resolve("kafka"), options.kafkaPort()));
            started.add(() -> ServiceNameConverter.runAs("kafka", kafka::close));
            return kafka.bootstrapServers();
        });
        DevOptions.Database db = options.database().orElseGet(() -> {
            requireFreePort("the embedded PostgreSQL", "DONNA_PG_PORT", options.postgresPort());
            LocalPostgres postgres = ServiceNameConverter.runAs(
                    "postgres", () -> LocalPostgres.start(postgresData, options.postgresPort()));
            started.add(() -> ServiceNameConverter.runAs("postgres", postgres::close));
            postgres.createDatabaseIfMissing(DATABASE);
            return new DevOptions.Database(postgres.jdbcUrl(DATABASE), "postgres", "");
        });
        jdbcUrl = db.url();
        internalSecret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        DevOptions.Tokens tokens = options.tokens();
        String issuer = tokens.devIssuer()
                ? "http://127.0.0.1:" + options.ports().getOrDefault("ingress-api", 0) + "/dev"
                : tokens.issuerUri().orElse("");

        List<String> common = List.of(
                "--spring.kafka.bootstrap-servers=" + kafkaBootstrap,
                "--donna.security.jwt.issuer-uri=" + issuer,
                "--donna.security.jwt.jwk-set-uri=" + tokens.jwkSetUri().orElse(""),
                "--donna.security.jwt.audiences=" + tokens.audiences(),
                "--donna.security.internal-secret=" + internalSecret,
                "--sentry.environment=dev",
                "--logging.config=classpath:logback.xml",
                // the JVM's shutdown hooks run at once: logging must outlast the services' shutdown
                "--logging.register-shutdown-hook=false",
                "--spring.main.banner-mode=off");
        List<String> database = List.of(
                "--spring.datasource.url=" + db.url(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password());

        // visitors' tokens are minted by ingress-api and accepted by the voice relay too
        String anonymousSecret = HexFormat.of().formatHex(new SecureRandom().generateSeed(32));
        Map<String, Supplier<SpringApplicationBuilder>> apps = Map.of(
                "projections", ProjectionsApplication::application,
                "ingress-api", IngressApplication::application,
                "voice-relay", VoiceRelayApplication::application,
                "chat-processor", ChatProcessorApplication::application,
                "email-processor", EmailProcessorApplication::application,
                "abuse-detector", AbuseDetectorApplication::application);
        Map<String, List<String>> gmail = gmailArgs(options);
        for (var entry : options.ports().entrySet()) {
            String service = entry.getKey();
            List<String> args = new ArrayList<>(common);
            args.addAll(gmail.getOrDefault(service, List.of()));
            args.add("--server.port=" + entry.getValue());
            if (service.equals("projections") || service.equals("ingress-api") || service.equals("email-processor")) {
                args.addAll(database);
            }
            if (service.equals("chat-processor")) {
                args.add("--donna.chat.state-dir=" + options.home().resolve("chat-processor"));
            }
            if (service.equals("abuse-detector")) {
                args.add("--donna.abuse.state-dir=" + options.home().resolve("abuse-detector"));
            }
            if (service.equals("ingress-api")) {
                args.add("--donna.dev.token-issuer.enabled=" + tokens.devIssuer());
                args.add("--springdoc.swagger-ui.enabled=true");
                if (System.getenv("DONNA_WORKSPACE_OWNERS") == null) {
                    args.add("--donna.workspace.owners=" + DEMO_OWNER);
                }
            }
            if (service.equals("ingress-api") || service.equals("voice-relay")) {
                args.add("--donna.security.anonymous.secret=" + anonymousSecret);
                args.add("--donna.web.allowed-origins=" + allowedOrigins(options));
            }
            if (service.equals("ingress-api")) {
                if (tokens.devIssuer()) {
                    args.add("--donna.console.client-id=" + CONSOLE_CLIENT);
                }
                Integer relayPort = options.ports().get("voice-relay");
                if (relayPort != null) {
                    args.add("--donna.console.voice-relay-url=" + (options.voiceTls() ? "wss" : "ws") + "://127.0.0.1:"
                            + relayPort);
                }
            }
            boolean tls = service.equals("voice-relay") && options.voiceTls();
            if (tls) {
                args.addAll(SelfSignedTls.serverArgs(SelfSignedTls.keystore(options.home())));
            }
            args.addAll(options.extraArgs().getOrDefault("*", List.of()));
            args.addAll(options.extraArgs().getOrDefault(service, List.of()));
            ConfigurableApplicationContext context = ServiceNameConverter.runAs(service, () -> {
                log.info("Starting {} on port {}", service, entry.getValue());
                return apps.get(service).get().registerShutdownHook(false).run(args.toArray(String[]::new));
            });
            started.add(() -> ServiceNameConverter.runAs(service, context::close));
            services.put(service, URI.create((tls ? "https" : "http") + "://127.0.0.1:" + entry.getValue()));
        }
    }

    /**
     * Gmail's settings for ingress-api and email-processor: the keys that seal secrets (the environment's,
     * or one made and kept in the data folder), and without a Google client a demo mailbox, on a stand-in
     * Google that approves every consent at once.
     */
    private Map<String, List<String>> gmailArgs(DevOptions options) {
        String keys = options.secretKeys().orElseGet(() -> devSecretKeys(options.home()));
        List<String> ingress = new ArrayList<>(List.of("--donna.gmail.secret-keys=" + keys));
        List<String> email = new ArrayList<>(List.of("--donna.gmail.secret-keys=" + keys));
        if (options.gmailDemo()) {
            String clientSecret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            StandInGoogle google = new StandInGoogle(DEMO_GMAIL_CLIENT, clientSecret, DEMO_MAILBOX);
            google.mailbox(DEMO_MAILBOX).seedDemoMail();
            started.add(google::close);
            demoGoogle = google;
            ingress.addAll(List.of(
                    "--donna.gmail.client-id=" + DEMO_GMAIL_CLIENT,
                    "--donna.gmail.authorization-endpoint=" + google.authorizationEndpoint(),
                    "--donna.gmail.redirect-uri=http://127.0.0.1:"
                            + options.ports().getOrDefault("ingress-api", 8080) + "/api/gmail/oauth/callback"));
            email.addAll(List.of(
                    "--donna.gmail.client-id=" + DEMO_GMAIL_CLIENT,
                    "--donna.gmail.client-secret=" + clientSecret,
                    "--donna.gmail.token-endpoint=" + google.tokenEndpoint(),
                    "--donna.gmail.revoke-endpoint=" + google.revokeEndpoint(),
                    "--donna.gmail.gmail-root-url=" + google.gmailRootUrl()));
        }
        return Map.of("ingress-api", ingress, "email-processor", email);
    }

    /**
     * The browser origins configured, and ingress-api's own: the console it serves places voice calls on
     * the relay, another origin.
     */
    static String allowedOrigins(DevOptions options) {
        List<String> origins = new ArrayList<>();
        for (String origin : options.allowedOrigins().split(",")) {
            if (!origin.isBlank()) {
                origins.add(origin.strip());
            }
        }
        Integer ingress = options.ports().get("ingress-api");
        if (ingress != null) {
            for (String host : List.of("127.0.0.1", "localhost")) {
                String own = "http://" + host + ":" + ingress;
                if (!origins.contains(own)) {
                    origins.add(own);
                }
            }
        }
        return String.join(",", origins);
    }

    /** The data folder's own key for sealing secrets, made on first use; readable by its owner alone. */
    static String devSecretKeys(Path home) {
        Path file = home.resolve("secret-keys");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            Files.createDirectories(home);
            String keys = "dev:" + SealedSecrets.newKey();
            Files.writeString(file, keys + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // elsewhere the folder's own permissions guard it
            }
            return keys;
        } catch (IOException e) {
            throw new DevStackException("Could not keep the secrets key in " + file + ": " + e.getMessage()
                    + ". Set DONNA_SECRET_KEYS instead.");
        }
    }

    /** The stand-in Google of the demo mailbox, when there is one: where tests deliver new mail. */
    public java.util.Optional<StandInGoogle> demoGoogle() {
        return java.util.Optional.ofNullable(demoGoogle);
    }

    /** The demo mailbox's address, when Gmail connects one (no Google client configured). */
    public java.util.Optional<String> demoMailbox() {
        return demoGoogle == null ? java.util.Optional.empty() : java.util.Optional.of(DEMO_MAILBOX);
    }

    /** Stops the services in reverse order, then the database and the broker. */
    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping: {}", e.getMessage());
            }
        }
        started.clear();
    }

    /** Stops, before anything started, on a machine without embedded PostgreSQL, saying what to do. */
    static void requireEmbeddedPostgres(String osName, String osArch) {
        try {
            LocalPostgres.requireBinaries(osName, osArch);
        } catch (LocalPostgres.NoBinariesException e) {
            throw new DevStackException("There is no embedded PostgreSQL for " + e.platform() + " (only for Linux "
                    + "and macOS on x86-64 and ARM64). Point donna dev at a PostgreSQL server instead: set "
                    + "DONNA_DB_URL, e.g. DONNA_DB_URL=jdbc:postgresql://127.0.0.1:5432/donna, and DONNA_DB_USER / "
                    + "DONNA_DB_PASSWORD (default donna / donna); the database must exist and the user must be "
                    + "allowed to create tables in it.");
        }
    }

    private static void reclaimPostgresData(Path dataDir, Path home) {
        try {
            LocalPostgres.stopOrphan(dataDir);
        } catch (LocalPostgres.DataFolderInUseException e) {
            String pid = e.ownerPid().map(p -> " (pid " + p + ")").orElse("");
            throw new DevStackException("Another donna dev" + pid + " is running with its data in " + home
                    + ". Stop it first, or give this one a data folder and ports of its own (DONNA_HOME, "
                    + "DONNA_KAFKA_PORT, DONNA_PG_PORT, DONNA_<SERVICE>_PORT).");
        }
    }

    static void requireFreePort(String what, String variable, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new DevStackException("Port " + port + " for " + what + " is already in use. Stop whatever holds it "
                    + "(is another donna dev running?) or choose another port, e.g. " + variable + "=" + (port + 100)
                    + ".");
        }
    }

    /** A start-up problem the user can fix; its message says how. */
    public static final class DevStackException extends RuntimeException {
        DevStackException(String message) {
            super(message);
        }
    }
}
