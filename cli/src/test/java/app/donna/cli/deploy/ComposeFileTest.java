package app.donna.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import app.donna.cli.dev.DevOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Keeps {@code docker-compose.yml}, the {@code Dockerfile} and {@code .env.example} honest without a Docker
 * engine: the compose file runs exactly the services the code has, each on the port its configuration
 * listens on and checks its health there, configured only by variables that service reads and the README's
 * table documents; the Kafka cluster keeps three replicas and two in sync; and Debian's
 * {@code docker-compose}, where installed, accepts the file and refuses it without the secrets.
 */
class ComposeFileTest {

    static final Path ROOT = Path.of("..");
    static final Set<String> INFRASTRUCTURE = Set.of("kafka-1", "kafka-2", "kafka-3", "postgres");
    /** Spring binds these to its own properties (relaxed binding), with no placeholder in any yml. */
    static final Pattern SPRING_BOUND = Pattern.compile("(SPRING|MANAGEMENT|SENTRY)_[A-Z0-9_]+");

    static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)");

    @Test
    void itRunsEveryServiceOfTheCodeAndTheInfrastructure() throws Exception {
        Set<String> services = new TreeSet<>(services().keySet());
        Set<String> expected = new TreeSet<>(INFRASTRUCTURE);
        expected.addAll(DevOptions.DEFAULT_PORTS.keySet());
        assertThat(services).isEqualTo(expected);
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachServiceListensAndIsCheckedOnThePortItsConfigurationNames() throws Exception {
        for (var entry : DevOptions.DEFAULT_PORTS.entrySet()) {
            String name = entry.getKey();
            Map<String, Object> service = services().get(name);
            Map<String, Object> build = (Map<String, Object>) service.get("build");
            Map<String, Object> args = (Map<String, Object>) build.get("args");
            int port = ymlPort(name);
            assertThat(port).as(name + "'s port in donna dev and in its yml").isEqualTo(entry.getValue());
            assertThat(args).as(name).containsEntry("SERVICE", name).containsEntry("PORT", port);
            List<String> health = (List<String>) ((Map<String, Object>) service.get("healthcheck")).get("test");
            assertThat(String.join(" ", health))
                    .as(name + "'s health check")
                    .contains("http://127.0.0.1:" + port + "/actuator/health");
            for (Object published : (List<Object>) service.getOrDefault("ports", List.of())) {
                assertThat(published.toString())
                        .as(name + " publishes its own port")
                        .endsWith(":" + port);
            }
            assertThat(Files.exists(ROOT.resolve(name).resolve("pom.xml"))).isTrue();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyVariableIsReadByItsServiceAndDocumentedInTheReadme() throws Exception {
        Set<String> documented = readmeVariables();
        List<String> wrong = new ArrayList<>();
        for (String name : DevOptions.DEFAULT_PORTS.keySet()) {
            Map<String, Object> environment =
                    (Map<String, Object>) services().get(name).get("environment");
            assertThat(environment).as(name).isNotEmpty();
            Set<String> read = placeholders(Files.readString(ymlOf(name)));
            for (String variable : environment.keySet()) {
                if (!documented.contains(variable)) {
                    wrong.add(name + ": " + variable + " is not in the README's configuration table");
                }
                if (!read.contains(variable) && !SPRING_BOUND.matcher(variable).matches()) {
                    wrong.add(name + ": " + variable + " is read by nothing in " + name + ".yml");
                }
            }
        }
        Set<String> interpolated = placeholders(Files.readString(ROOT.resolve("docker-compose.yml")));
        Set<String> example = envExample().keySet();
        for (String variable : interpolated) {
            if (!example.contains(variable)) {
                wrong.add("docker-compose.yml takes " + variable + " from .env, but .env.example lacks it");
            }
        }
        for (String variable : example) {
            if (!documented.contains(variable)) {
                wrong.add(".env.example: " + variable + " is not in the README's configuration table");
            }
            if (!interpolated.contains(variable)) {
                wrong.add(".env.example: " + variable + " is used nowhere in docker-compose.yml");
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void threeKraftNodesKeepThreeReplicasTwoInSync() throws Exception {
        for (String broker : List.of("kafka-1", "kafka-2", "kafka-3")) {
            Map<String, Object> service = services().get(broker);
            assertThat((String) service.get("image")).startsWith("apache/kafka:");
            Map<String, Object> env = (Map<String, Object>) service.get("environment");
            assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"))
                    .isEqualTo("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
            assertThat(env).containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", 3);
            assertThat(env).containsEntry("KAFKA_MIN_INSYNC_REPLICAS", 2);
            assertThat(env).containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", 3);
            assertThat(env).containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", 2);
            assertThat(env).containsEntry("KAFKA_NODE_ID", Integer.parseInt(broker.substring(6)));
        }
        for (String name : DevOptions.DEFAULT_PORTS.keySet()) {
            Map<String, Object> env = (Map<String, Object>) services().get(name).get("environment");
            assertThat(env).containsEntry("DONNA_KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092,kafka-3:9092");
        }
    }

    @Test
    void theImageRunsOnJava21OrNewerAsANonRootUserWithAHealthCheck() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String runtime = lines.stream()
                .filter(l -> l.startsWith("FROM "))
                .reduce((first, second) -> second)
                .orElseThrow();
        Matcher java = Pattern.compile("eclipse-temurin:(\\d+)-jre").matcher(runtime);
        assertThat(java.find()).as(runtime).isTrue();
        assertThat(Integer.parseInt(java.group(1))).isGreaterThanOrEqualTo(21);
        String user = lines.stream()
                .filter(l -> l.startsWith("USER "))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(user.substring(5).strip()).isNotIn("root", "0");
        assertThat(lines).anyMatch(l -> l.startsWith("HEALTHCHECK "));
        assertThat(Files.readString(ROOT.resolve(".dockerignore"))).contains(".env", "target");
        assertThat(Files.readString(ROOT.resolve(".gitignore"))).contains(".env");
    }

    @Test
    void debiansDockerComposeAcceptsItAndRefusesItWithoutTheSecrets(@TempDir Path dir) throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/docker-compose")),
                "Debian's docker-compose is not installed (.ci/run installs it)");
        Map<String, String> filled = new LinkedHashMap<>(envExample());
        filled.replaceAll((name, value) -> value.isEmpty() ? "filled-" + name.toLowerCase() : value);
        Path env = dir.resolve("filled.env");
        Files.write(
                env,
                filled.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
        Result valid = compose(env);
        assertThat(valid.exit()).as(valid.output()).isZero();
        assertThat(valid.output()).contains("filled-donna_internal_secret", "kafka-3", "email-processor");

        filled.remove("DONNA_INTERNAL_SECRET");
        Files.write(
                env,
                filled.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
        Result missing = compose(env);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output()).contains("DONNA_INTERNAL_SECRET");
    }

    record Result(int exit, String output) {}

    private static Result compose(Path envFile) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        "/usr/bin/docker-compose",
                        "--env-file",
                        envFile.toString(),
                        "-f",
                        ROOT.resolve("docker-compose.yml").toString(),
                        "config")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    static Path ymlOf(String service) {
        return ROOT.resolve(service).resolve("src/main/resources").resolve(service + ".yml");
    }

    @SuppressWarnings("unchecked")
    static int ymlPort(String service) throws IOException {
        Map<String, Object> yml = new Yaml().load(Files.readString(ymlOf(service)));
        String port = ((Map<String, Object>) yml.get("server")).get("port").toString();
        Matcher defaulted = Pattern.compile("\\$\\{[A-Z_]+:(\\d+)}").matcher(port);
        assertThat(defaulted.matches()).as(service + "'s server.port " + port).isTrue();
        return Integer.parseInt(defaulted.group(1));
    }

    static Set<String> placeholders(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Every variable the first column of the README's configuration table names. */
    static Set<String> readmeVariables() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String table = readme.substring(readme.indexOf("## Configuration"));
        table = table.substring(0, table.indexOf("\n## ", 3));
        Set<String> names = new TreeSet<>();
        for (String line : table.lines().filter(l -> l.startsWith("| `")).toList()) {
            Matcher m = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(line.split("\\|")[1]);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        assertThat(names).contains("DONNA_KAFKA_BOOTSTRAP", "DONNA_DB_URL");
        return names;
    }

    static Map<String, String> envExample() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return env;
    }
}
