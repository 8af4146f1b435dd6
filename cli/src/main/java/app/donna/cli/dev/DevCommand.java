package app.donna.cli.dev;

import app.donna.localinfra.SelfSignedTls;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.core.NestedExceptionUtils;
import picocli.CommandLine.Command;

/** {@code donna dev}: starts the {@link DevStack}, prints where everything is, and runs until Ctrl-C. */
@Command(
        name = "dev",
        description = {
            "Runs the whole system in this process until Ctrl-C: an embedded Kafka broker and PostgreSQL, every "
                    + "service on its own port, and a dev token issuer on ingress-api. Prints where everything is."
        },
        footerHeading = "%nEnvironment (all optional; README.md has the full list):%n",
        footer = {
            "  DONNA_HOME               data of the embedded broker and database (.donna), kept across runs",
            "  DONNA_KAFKA_PORT         port of the embedded broker (9092)",
            "  DONNA_PG_PORT            port of the embedded PostgreSQL (5433)",
            "  DONNA_<SERVICE>_PORT     HTTP port of a service, e.g. DONNA_INGRESS_API_PORT (8080)",
            "  DONNA_KAFKA_BOOTSTRAP    a Kafka cluster to use instead of the embedded broker",
            "  DONNA_DB_URL             a PostgreSQL database to use instead of the embedded server,",
            "                           with DONNA_DB_USER and DONNA_DB_PASSWORD (donna / donna)",
            "  DONNA_JWT_ISSUER_URI     an issuer whose tokens to accept instead of the dev token issuer's",
            "  DONNA_JWT_JWK_SET_URI    (either or both; /dev/token is then off), with",
            "  DONNA_JWT_AUDIENCES      the accepted audiences (donna-api)"
        })
public final class DevCommand implements Callable<Integer> {

    private final Map<String, String> env;

    /** {@code donna dev} configured by {@code env}, the process's environment. */
    public DevCommand(Map<String, String> env) {
        this.env = env;
    }

    /** Runs until stopped; returns once the shutdown hook has stopped everything. */
    @Override
    public Integer call() {
        return run(env);
    }

    public static int run(Map<String, String> env) {
        DevOptions options;
        try {
            options = DevOptions.fromEnvironment(env);
        } catch (IllegalArgumentException e) {
            System.err.println("donna dev: " + e.getMessage());
            return 2;
        }
        long begin = System.nanoTime();
        DevStack stack;
        try {
            stack = DevStack.start(options);
        } catch (DevStack.DevStackException e) {
            System.err.println("donna dev: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println("donna dev: could not start: " + rootMessage(e));
            System.err.println("  (the log above has the details; data is kept in " + options.home() + ")");
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("\ndonna dev: stopping…");
                            stack.close();
                            System.out.println("donna dev: stopped.");
                            stopped.countDown();
                        },
                        "donna-dev-shutdown"));
        System.out.println(banner(options, stack, Duration.ofNanos(System.nanoTime() - begin)));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static String banner(DevOptions options, DevStack stack, Duration took) {
        URI ingress = stack.services().get("ingress-api");
        StringBuilder out = new StringBuilder();
        out.append("\n  Donna dev is up (").append(took.toMillis() / 100 / 10.0).append(" s)\n\n");
        out.append(String.format(
                "  %-16s %s/console/   (%s)%n%n",
                "web console",
                ingress,
                options.tokens().devIssuer()
                        ? "sign in as anyone, e.g. owner, or chat as a visitor"
                        : System.getenv("DONNA_CONSOLE_CLIENT_ID") == null
                                ? "visitor chat only: sign-in needs DONNA_CONSOLE_CLIENT_ID, a public client of your issuer"
                                : "sign in at your issuer, or chat as a visitor"));
        stack.services()
                .forEach((name, uri) ->
                        out.append(String.format("  %-16s %s   (health: %s/actuator/health)%n", name, uri, uri)));
        out.append(String.format(
                "  %-16s %s%s%n",
                "kafka",
                stack.kafkaBootstrap(),
                options.kafkaBootstrap().isPresent()
                        ? ""
                        : "   (embedded, data in " + options.home().resolve("kafka") + ")"));
        out.append(String.format(
                "  %-16s %s%s%n",
                "postgresql",
                stack.jdbcUrl(),
                options.database().isPresent()
                        ? "   (DONNA_DB_URL)"
                        : "   (embedded, data in " + options.home().resolve("postgres") + ")"));
        out.append(String.format(
                "  %-16s %s (X-Internal-Secret, for metrics and internal calls; new each run)%n",
                "internal secret", stack.internalSecret()));
        out.append(String.format(
                "  %-16s %s/swagger-ui.html   (OpenAPI 3.1: %s/v3/api-docs)%n", "API docs", ingress, ingress));
        DevOptions.Tokens tokens = options.tokens();
        if (tokens.devIssuer()) {
            out.append("\n  Get a token:   curl -s '").append(ingress).append("/dev/token?sub=alice'\n");
            out.append("  Send a chat:   TOKEN=$(curl -s '")
                    .append(ingress)
                    .append("/dev/token?sub=alice' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n");
        } else {
            out.append(String.format(
                    "  %-16s from %s, audience %s; the dev token issuer (/dev/token) is off%n",
                    "tokens",
                    tokens.issuerUri()
                            .map(i -> i + " (DONNA_JWT_ISSUER_URI)")
                            .orElse(tokens.jwkSetUri().orElseThrow() + " (DONNA_JWT_JWK_SET_URI)"),
                    tokens.audiences()));
            out.append("\n  Send a chat:   TOKEN=<an access token from that issuer>\n");
        }
        out.append("                 S=$(cat /proc/sys/kernel/random/uuid)\n");
        out.append(
                "                 curl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n");
        out.append("                      -d '{\"text\":\"Are you open on Saturday?\"}' ")
                .append(ingress)
                .append("/api/chat/sessions/$S/messages\n");
        out.append("                 curl -s -H \"Authorization: Bearer $TOKEN\" ")
                .append(ingress)
                .append("/api/chat/sessions/$S/messages\n");
        if (tokens.devIssuer() && System.getenv("DONNA_WORKSPACE_OWNERS") == null) {
            out.append("  Workspace:     the default workspace's owner is sub=")
                    .append(DevStack.DEMO_OWNER)
                    .append(" (")
                    .append(ingress)
                    .append("/dev/token?sub=")
                    .append(DevStack.DEMO_OWNER)
                    .append("): ")
                    .append(ingress)
                    .append("/api/workspace,\n                 its visitors' chats, its members and persona\n");
        }
        stack.demoMailbox()
                .ifPresent(mailbox -> out.append("  Gmail:         the demo mailbox ")
                        .append(mailbox)
                        .append(" on a stand-in Google that approves at once: open ")
                        .append(ingress)
                        .append("/api/gmail/oauth/start\n                 with $TOKEN and follow the redirects ")
                        .append("(curl -sL -c jar -b jar -H \"Authorization: Bearer $TOKEN\" …);\n")
                        .append("                 its sample mail then shows at ")
                        .append(ingress)
                        .append("/api/gmail/messages\n"));
        boolean voiceOffline =
                System.getenv().getOrDefault("OPENAI_API_KEY", "").isBlank();
        out.append("  Voice token:   curl -s -X POST -H \"Authorization: Bearer $TOKEN\" ")
                .append(ingress)
                .append("/api/realtime/token")
                .append(voiceOffline ? "   (503 offline: set OPENAI_API_KEY)\n" : "\n");
        URI relay = stack.services().get("voice-relay");
        if (relay != null) {
            boolean tls = relay.getScheme().equals("https");
            out.append("  Voice relay:   ")
                    .append(tls ? "wss://" : "ws://")
                    .append(relay.getAuthority())
                    .append("/v1/realtime?model=gpt-realtime   (an OpenAI Realtime client with base URL ")
                    .append(relay)
                    .append("/v1")
                    .append(
                            tls
                                    ? ", trusting " + SelfSignedTls.keystore(options.home()) + " (password "
                                            + SelfSignedTls.PASSWORD + ")"
                                    : "")
                    .append(" and $TOKEN as its key")
                    .append(voiceOffline ? "; offline without OPENAI_API_KEY: calls close with 1013)\n" : ")\n");
        }
        out.append("\n  Press Ctrl-C to stop.\n");
        return out.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(e);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
