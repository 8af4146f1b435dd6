package app.donna.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The command line itself: help, version and argument errors, with nothing started. */
class DonnaTest {

    /** Should donna dev start after all, nothing real: no broker, no database, ports of the system's choice. */
    static final Map<String, String> NOWHERE = Map.of("DONNA_KAFKA_BOOTSTRAP", "127.0.0.1:1",
            "DONNA_DB_URL", "jdbc:postgresql://127.0.0.1:1/none", "DONNA_HOME", "target/donna-test-home",
            "DONNA_INGRESS_API_PORT", "0", "DONNA_VOICE_RELAY_PORT", "0", "DONNA_CHAT_PROCESSOR_PORT", "0",
            "DONNA_EMAIL_PROCESSOR_PORT", "0", "DONNA_ABUSE_DETECTOR_PORT", "0", "DONNA_PROJECTIONS_PORT", "0");

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void everyCommandHasHelpThatStartsNothing() {
        // donna dev would run until stopped: a help that started it would time out here
        for (String[] args : new String[][] {{"dev", "--help"}, {"dev", "-h"}, {"help", "dev"}}) {
            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(args))).as(String.join(" ", args))
                    .isZero();
            assertThat(out()).as(String.join(" ", args)).startsWith("usage: donna dev").contains("DONNA_DB_URL")
                    .contains("DONNA_JWT_ISSUER_URI");
        }
        assertThat(run("topics", "--help")).isZero();
        assertThat(out()).contains("usage: donna topics");
        assertThat(run("bench", "chat", "--help")).isZero();
        assertThat(out()).contains("usage: donna bench projector");
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("usage: donna <command>");
    }

    @Test
    void printsItsVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out()).matches("donna \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        assertThat(run("dev", "--verbose")).isEqualTo(2);
        assertThat(err()).contains("unknown argument '--verbose'").contains("usage: donna dev");
        assertThat(run("deploy")).isEqualTo(2);
        assertThat(err()).contains("unknown command 'deploy'");
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Donna.run(args, NOWHERE, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
