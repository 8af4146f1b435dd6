package app.donna.schemas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        List<Class<?>> events = Topics.ALL.stream()
                .flatMap(t -> t.events().stream())
                .distinct()
                .<Class<?>>map(c -> c)
                .toList();
        List<String> released = SchemaReleases.release(resources.resolve(BundledSchemas.HISTORY_ROOT), events);
        System.out.println(released.isEmpty() ? "no schema changed" : "released: " + String.join(", ", released));
    }
}
