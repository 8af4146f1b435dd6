package app.donna.cli.dev;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code donna dev}: starts the {@link DevStack}, prints where everything is, and runs until Ctrl-C. */
public final class DevCommand {

    private DevCommand() {
    }

    public static int run(String[] args, Map<String, String> env) {
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\ndonna dev: stopping…");
            stack.close();
            System.out.println("donna dev: stopped.");
            stopped.countDown();
        }, "donna-dev-shutdown"));
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
        stack.services().forEach((name, uri) -> out.append(String.format("  %-16s %s   (health: %s/actuator/health)%n",
                name, uri, uri)));
        out.append(String.format("  %-16s %s%s%n", "kafka", stack.kafkaBootstrap(),
                options.kafkaBootstrap().isPresent() ? "" : "   (embedded, data in " + options.home().resolve("kafka") + ")"));
        out.append(String.format("  %-16s %s%s%n", "postgresql", stack.jdbcUrl(),
                options.database().isPresent() ? "   (DONNA_DB_URL)"
                        : "   (embedded, data in " + options.home().resolve("postgres") + ")"));
        out.append(String.format("  %-16s %s (X-Internal-Secret, for metrics and internal calls; new each run)%n",
                "internal secret", stack.internalSecret()));
        DevOptions.Tokens tokens = options.tokens();
        if (tokens.devIssuer()) {
            out.append("\n  Get a token:   curl -s '").append(ingress).append("/dev/token?sub=alice'\n");
            out.append("  Send a chat:   TOKEN=$(curl -s '").append(ingress)
                    .append("/dev/token?sub=alice' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n");
        } else {
            out.append(String.format("  %-16s from %s, audience %s; the dev token issuer (/dev/token) is off%n",
                    "tokens", tokens.issuerUri().map(i -> i + " (DONNA_JWT_ISSUER_URI)")
                            .orElse(tokens.jwkSetUri().orElseThrow() + " (DONNA_JWT_JWK_SET_URI)"),
                    tokens.audiences()));
            out.append("\n  Send a chat:   TOKEN=<an access token from that issuer>\n");
        }
        out.append("                 S=$(cat /proc/sys/kernel/random/uuid)\n");
        out.append("                 curl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n");
        out.append("                      -d '{\"text\":\"Are you open on Saturday?\"}' ").append(ingress)
                .append("/api/chat/sessions/$S/messages\n");
        out.append("                 curl -s -H \"Authorization: Bearer $TOKEN\" ").append(ingress)
                .append("/api/chat/sessions/$S/messages\n");
        out.append("\n  Press Ctrl-C to stop.\n");
        return out.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
