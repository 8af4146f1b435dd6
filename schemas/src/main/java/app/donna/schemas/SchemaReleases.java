package app.donna.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;

/**
 * Releasing schemas into a bundled history ({@code <full name>/v<N>.avsc} plus an {@code INDEX}, as
 * {@link BundledSchemas} reads it) and checking a build's schemas against it. The event catalog's history
 * and each service's state-store history use the same rules: a new version is released only if it is
 * backward and forward compatible with every earlier one, so old and new code read each other's bytes.
 */
public final class SchemaReleases {

    private SchemaReleases() {}

    /**
     * Records the current schema of each type as a new version under {@code historyDir} when it changed
     * since its newest release, after checking compatibility with every earlier release; rewrites the
     * {@code INDEX}. Returns the files written.
     */
    public static List<String> release(Path historyDir, Collection<Class<?>> types) throws IOException {
        Files.createDirectories(historyDir);
        List<String> released = new ArrayList<>();
        for (Class<?> type : types) {
            Schema current = SpecificData.get().getSchema(type);
            Path dir = historyDir.resolve(current.getFullName());
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
            released.add(historyDir.relativize(file).toString());
        }
        writeIndex(historyDir);
        return released;
    }

    /**
     * What keeps this build's schemas of {@code types} from being read and written safely against
     * {@code history}: a schema that changed since its newest release, or one incompatible (either way)
     * with any release. Empty when there is nothing wrong.
     */
    public static List<String> problems(BundledSchemas history, Collection<Class<?>> types) {
        List<String> problems = new ArrayList<>();
        for (Class<?> type : types) {
            Schema current = SpecificData.get().getSchema(type);
            List<BundledSchemas.Version> released = history.history(current.getFullName());
            if (released.isEmpty() || released.getLast().fingerprint() != BundledSchemas.fingerprint(current)) {
                problems.add(current.getFullName() + " changed since its last release: release it");
            }
            for (BundledSchemas.Version v : released) {
                if (!compatible(current, v.writer())) {
                    problems.add("current " + current.getFullName() + " cannot read release v" + v.version());
                }
                if (!compatible(v.writer(), current)) {
                    problems.add("release v" + v.version() + " of " + current.getFullName() + " cannot read current");
                }
            }
        }
        return problems;
    }

    public static boolean compatible(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
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
