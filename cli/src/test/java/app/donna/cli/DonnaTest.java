package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line itself: help, version and argument errors, with nothing started. */
class DonnaTest {

    /** Should donna dev start after all, nothing real: no broker, no database, ports of the system's choice. */
    static final Map<String, String> NOWHERE = Map.of(
            "DONNA_KAFKA_BOOTSTRAP",
            "127.0.0.1:1",
            "DONNA_DB_URL",
            "jdbc:postgresql://127.0.0.1:1/none",
            "DONNA_HOME",
            "target/donna-test-home",
            "DONNA_INGRESS_API_PORT",
            "0",
            "DONNA_VOICE_RELAY_PORT",
            "0",
            "DONNA_CHAT_PROCESSOR_PORT",
            "0",
            "DONNA_EMAIL_PROCESSOR_PORT",
            "0",
            "DONNA_ABUSE_DETECTOR_PORT",
            "0",
            "DONNA_PROJECTIONS_PORT",
            "0");

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void everyCommandHasHelpThatStartsNothing() {
        // donna dev, infra and issuer would run until stopped: a help that started one would time out here
        for (String command : new String[] {"dev", "infra", "issuer"}) {
            for (String[] args : new String[][] {{command, "--help"}, {command, "-h"}, {"help", command}}) {
                assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(args)))
                        .as(String.join(" ", args))
                        .isZero();
                assertThat(out()).as(String.join(" ", args)).startsWith("Usage: donna " + command);
            }
        }
        assertThat(run("dev", "--help")).isZero();
        assertThat(out()).contains("DONNA_DB_URL").contains("DONNA_JWT_ISSUER_URI");
        assertThat(run("topics", "--help")).isZero();
        assertThat(out()).startsWith("Usage: donna topics");
        assertThat(run("bench", "--help")).isZero();
        assertThat(out()).startsWith("Usage: donna bench").contains("projector").contains("chat");
        assertThat(run("bench", "projector", "--help")).isZero();
        assertThat(out())
                .startsWith("Usage: donna bench projector")
                .contains("--events")
                .contains("--pgbench-seconds");
        for (String[] args : new String[][] {{"--help"}, {"help"}, {}}) {
            assertThat(run(args)).as(String.join(" ", args)).isZero();
            assertThat(out())
                    .as(String.join(" ", args))
                    .startsWith("Usage: donna")
                    .contains("dev")
                    .contains("infra")
                    .contains("issuer")
                    .contains("topics")
                    .contains("bench");
        }
    }

    @Test
    void benchChatHelpStartsNothingAndListsItsOptions() {
        // donna bench chat would start the whole stack and run for over a minute
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run("bench", "chat", "--help")))
                .isZero();
        assertThat(out())
                .startsWith("Usage: donna bench chat")
                .contains("--rate")
                .contains("--seconds")
                .contains("--sessions")
                .contains("--commit-interval-ms")
                .contains("--warmup-seconds")
                .contains("--stream-threads")
                .contains("--trace-hops")
                .contains("default: 200");
        assertThat(err()).isEmpty();
    }

    @Test
    void printsItsVersion() {
        for (String[] args : new String[][] {{"--version"}, {"-V"}, {"version"}}) {
            assertThat(run(args)).as(args[0]).isZero();
            assertThat(out()).as(args[0]).matches("donna \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
        }
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        assertThat(run("dev", "--verbose")).isEqualTo(2);
        assertThat(err()).contains("'--verbose'").contains("Usage: donna dev");
        assertThat(out()).isEmpty();
        assertThat(run("infra", "now")).isEqualTo(2);
        assertThat(err()).contains("'now'").contains("Usage: donna infra");
        assertThat(run("deploy")).isEqualTo(2);
        assertThat(err()).contains("'deploy'").contains("Usage: donna");
        assertThat(run("bench")).isEqualTo(2);
        assertThat(err()).contains("Usage: donna bench");
        assertThat(run("bench", "chat", "--rate", "fast")).isEqualTo(2);
        assertThat(err()).contains("'fast'").contains("Usage: donna bench chat");
    }

    @Test
    void failsWithOneWhenACommandFails() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // given: the issuer's port is taken, so it cannot start (and never runs until stopped)
            Map<String, String> env = Map.of("DONNA_ISSUER_PORT", String.valueOf(taken.getLocalPort()));
            // when / then
            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(env, "issuer")))
                    .isEqualTo(1);
            assertThat(err()).startsWith("donna issuer: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    private int run(String... args) {
        return run(NOWHERE, args);
    }

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return Donna.run(
                args,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
