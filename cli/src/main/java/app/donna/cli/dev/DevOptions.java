package app.donna.cli.dev;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code donna dev} runs, read from environment variables (documented in README.md).
 *
 * @param home           folder for the embedded broker's and database's data, kept across restarts
 * @param kafkaBootstrap an existing Kafka cluster to use instead of the embedded broker
 * @param kafkaPort      port of the embedded broker
 * @param database       an existing PostgreSQL database to use instead of the embedded server
 * @param postgresPort   port of the embedded PostgreSQL
 * @param ports          HTTP ports of the services
 * @param allowedOrigins browser origins allowed to call ingress-api
 * @param extraArgs      more {@code --property=value} arguments per service ({@code "*"}: every service)
 * @param tokens         who signs the user tokens the services accept
 * @param voiceTls       whether voice-relay serves TLS ({@code wss://}) with a self-signed certificate made
 *                       in {@code home} ({@code DONNA_VOICE_TLS=self-signed})
 * @param gmailDemo      whether Gmail connects a demo mailbox on a stand-in Google (no
 *                       {@code DONNA_GMAIL_CLIENT_ID}); otherwise the configured Google client is used
 * @param secretKeys     the keys that seal secrets ({@code DONNA_SECRET_KEYS}); without them donna dev makes
 *                       one and keeps it in {@code home}
 */
public record DevOptions(
        Path home,
        Optional<String> kafkaBootstrap,
        int kafkaPort,
        Optional<Database> database,
        int postgresPort,
        Map<String, Integer> ports,
        String allowedOrigins,
        Map<String, List<String>> extraArgs,
        Tokens tokens,
        boolean voiceTls,
        boolean gmailDemo,
        Optional<String> secretKeys) {

    /** Options with the dev token issuer. */
    public DevOptions(
            Path home,
            Optional<String> kafkaBootstrap,
            int kafkaPort,
            Optional<Database> database,
            int postgresPort,
            Map<String, Integer> ports,
            String allowedOrigins,
            Map<String, List<String>> extraArgs) {
        this(
                home,
                kafkaBootstrap,
                kafkaPort,
                database,
                postgresPort,
                ports,
                allowedOrigins,
                extraArgs,
                Tokens.DEV_ISSUER,
                false,
                true,
                Optional.empty());
    }

    /** These options with voice-relay on TLS, or not. */
    public DevOptions withVoiceTls(boolean on) {
        return new DevOptions(
                home,
                kafkaBootstrap,
                kafkaPort,
                database,
                postgresPort,
                ports,
                allowedOrigins,
                extraArgs,
                tokens,
                on,
                gmailDemo,
                secretKeys);
    }

    /** An existing PostgreSQL database. */
    public record Database(String url, String username, String password) {}

    /**
     * Who signs user tokens: an issuer from the environment ({@code DONNA_JWT_ISSUER_URI} and/or
     * {@code DONNA_JWT_JWK_SET_URI}, as every service reads them in production), or, when neither is
     * set, the dev token issuer on ingress-api.
     *
     * @param issuerUri the issuer's {@code iss}, where its keys are discovered unless jwkSetUri is set
     * @param jwkSetUri where the issuer publishes its signing keys
     * @param audiences accepted {@code aud} values, comma-separated
     */
    public record Tokens(Optional<String> issuerUri, Optional<String> jwkSetUri, String audiences) {

        public static final Tokens DEV_ISSUER = new Tokens(Optional.empty(), Optional.empty(), "donna-api");

        /** Whether the dev token issuer signs the tokens (no issuer is configured). */
        public boolean devIssuer() {
            return issuerUri.isEmpty() && jwkSetUri.isEmpty();
        }
    }

    /** The services in start order (projections first: it owns the schema). */
    public static final Map<String, Integer> DEFAULT_PORTS = orderedPorts();

    public static DevOptions fromEnvironment(Map<String, String> env) {
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        DEFAULT_PORTS.forEach((service, port) ->
                ports.put(service, intEnv(env, "DONNA_" + service.toUpperCase().replace('-', '_') + "_PORT", port)));
        return new DevOptions(
                Path.of(env.getOrDefault("DONNA_HOME", ".donna")).toAbsolutePath(),
                nonBlank(env.get("DONNA_KAFKA_BOOTSTRAP")),
                intEnv(env, "DONNA_KAFKA_PORT", 9092),
                nonBlank(env.get("DONNA_DB_URL"))
                        .map(url -> new Database(
                                url,
                                env.getOrDefault("DONNA_DB_USER", "donna"),
                                env.getOrDefault("DONNA_DB_PASSWORD", "donna"))),
                intEnv(env, "DONNA_PG_PORT", 5433),
                ports,
                env.getOrDefault("DONNA_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"),
                Map.of(),
                new Tokens(
                        nonBlank(env.get("DONNA_JWT_ISSUER_URI")),
                        nonBlank(env.get("DONNA_JWT_JWK_SET_URI")),
                        nonBlank(env.get("DONNA_JWT_AUDIENCES")).orElse(Tokens.DEV_ISSUER.audiences())),
                voiceTls(env.getOrDefault("DONNA_VOICE_TLS", "off")),
                nonBlank(env.get("DONNA_GMAIL_CLIENT_ID")).isEmpty(),
                nonBlank(env.get("DONNA_SECRET_KEYS")));
    }

    private static boolean voiceTls(String value) {
        return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "", "off" -> false;
            case "self-signed" -> true;
            default ->
                throw new IllegalArgumentException("DONNA_VOICE_TLS must be off or self-signed, not '" + value + "'");
        };
    }

    private static Map<String, Integer> orderedPorts() {
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        ports.put("projections", 8085);
        ports.put("ingress-api", 8080);
        ports.put("voice-relay", 8081);
        ports.put("chat-processor", 8082);
        ports.put("email-processor", 8083);
        ports.put("abuse-detector", 8084);
        return java.util.Collections.unmodifiableMap(ports);
    }

    private static int intEnv(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a port number, not '" + value + "'");
        }
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}
