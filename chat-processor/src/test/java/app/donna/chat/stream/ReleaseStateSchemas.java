package app.donna.chat.stream;

import app.donna.schemas.SchemaReleases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Records the current schema of each chat-processor state record as a new released version when it
 * changed, after checking it is backward and forward compatible with every earlier version. Run from the
 * repository root:
 *
 * <pre>./mvnw -q -f chat-processor/pom.xml test-compile exec:java -Dexec.mainClass=app.donna.chat.stream.ReleaseStateSchemas -Dexec.classpathScope=test</pre>
 */
public final class ReleaseStateSchemas {

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(
                Files.isDirectory(Path.of("chat-processor"))
                        ? "chat-processor/src/main/resources"
                        : "src/main/resources");
        List<String> released =
                SchemaReleases.release(resources.resolve(StateSerdes.HISTORY), StateSerdes.STATE_RECORDS);
        System.out.println(released.isEmpty() ? "no schema changed" : "released: " + String.join(", ", released));
    }
}
