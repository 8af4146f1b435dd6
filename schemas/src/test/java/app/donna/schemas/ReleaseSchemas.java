package app.donna.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;

/**
 * Records the current schema of every catalog event as a new released version when it changed, after
 * checking it is backward and forward compatible with every earlier version. Run from the repository
 * root:
 *
 * <pre>./mvnw -q -f schemas/pom.xml test-compile exec:java -Dexec.mainClass=app.donna.schemas.ReleaseSchemas -Dexec.classpathScope=test</pre>
 */
public final class ReleaseSchemas {

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(
                args.length > 0
                        ? args[0]
                        : Files.isDirectory(Path.of("schemas")) ? "schemas/src/main/resources" : "src/main/resources");
        Path root = resources.resolve(BundledSchemas.HISTORY_ROOT);
        Files.createDirectories(root);
        List<String> released = new ArrayList<>();
        for (Class<?> type :
                Topics.ALL.stream().flatMap(t -> t.events().stream()).distinct().toList()) {
            Schema current = SpecificData.get().getSchema(type);
            Path dir = root.resolve(current.getFullName());
            Files.createDirectories(dir);
            List<Schema> history = new ArrayList<>();
            int newest = 0;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    history.add(new Schema.Parser().parse(f.toFile()));
                    newest = Math.max(
                            newest, Integer.parseInt(f.getFileName().toString().replaceAll("\\D", "")));
                }
            }
            long fingerprint = BundledSchemas.fingerprint(current);
            if (history.stream().anyMatch(s -> BundledSchemas.fingerprint(s) == fingerprint)) {
                continue;
            }
            for (Schema old : history) {
                requireCompatible(current, old);
                requireCompatible(old, current);
            }
            Path file = dir.resolve("v" + (newest + 1) + ".avsc");
            Files.writeString(file, current.toString(true) + "\n", StandardCharsets.UTF_8);
            released.add(root.relativize(file).toString());
        }
        writeIndex(root);
        System.out.println(released.isEmpty() ? "no schema changed" : "released: " + String.join(", ", released));
    }

    private static void requireCompatible(Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new IllegalStateException("incompatible change to " + reader.getFullName() + ": "
                    + result.getResult().getIncompatibilities());
        }
    }

    private static void writeIndex(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            List<String> entries = files.filter(f -> f.toString().endsWith(".avsc"))
                    .map(f -> root.relativize(f).toString())
                    .sorted()
                    .toList();
            Files.writeString(root.resolve("INDEX"), String.join("\n", entries) + "\n", StandardCharsets.UTF_8);
        }
    }
}
