package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code docs/topics.md} describes the catalog; this keeps the two from drifting apart. */
class TopicCatalogDocsTest {

    @Test
    void docsTableMatchesTheCatalog() throws Exception {
        Path docs = Path.of("..", "docs", "topics.md");
        List<String> documented = Files.readAllLines(docs).stream()
                .filter(l -> l.startsWith("| `donna."))
                .map(TopicCatalogDocsTest::normalise)
                .toList();

        List<String> catalog =
                Topics.ALL.stream().map(TopicCatalogDocsTest::row).toList();

        assertThat(documented).as("rows of docs/topics.md, in catalog order").isEqualTo(catalog);
    }

    private static String row(Topic<?> t) {
        String events =
                String.join(", ", t.events().stream().map(Class::getSimpleName).toList());
        if (!t.retired().isEmpty()) {
            events += " (formerly also "
                    + String.join(
                            ", ", t.retired().stream().map(Class::getSimpleName).toList()) + ")";
        }
        String retention = t.retention().map(TopicCatalogDocsTest::humanise).orElse("forever");
        return String.join(
                " | ",
                "`" + t.name() + "`",
                t.key(),
                events,
                String.valueOf(t.partitions()),
                retention,
                t.cleanupPolicy().config(),
                t.writer());
    }

    private static String humanise(Duration d) {
        return d.toDays() == 1 ? "1 day" : d.toDays() + " days";
    }

    private static String normalise(String line) {
        return String.join(
                " | ",
                Arrays.stream(line.split("\\|"))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList());
    }
}
