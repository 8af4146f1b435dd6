package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docs/asyncapi.yaml} is what {@link AsyncApiDocument} makes from the catalog and the schemas
 * today, and it holds together as an AsyncAPI 3.0 document: every reference resolves, every topic is a
 * channel, every payload is the event's current Avro schema.
 */
class AsyncApiDocsTest {

    static final Path FILE = Path.of("..", "docs", "asyncapi.yaml");

    @Test
    void theCommittedDocumentIsTheGeneratedOne() throws Exception {
        assertThat(Files.readString(FILE))
                .as("docs/asyncapi.yaml is stale: rewrite it with ./mvnw -q -f schemas/pom.xml test-compile"
                        + " exec:java -Dexec.mainClass=app.donna.schemas.AsyncApiDocument"
                        + " -Dexec.classpathScope=test")
                .isEqualTo(AsyncApiDocument.yaml());
    }

    @Test
    void everyReferenceResolves() throws Exception {
        Map<String, Object> doc = committed();
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).hasSizeGreaterThan(50);
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            Object target = doc;
            for (String part : ref.substring(2).split("/")) {
                assertThat(target).as(ref).isInstanceOf(Map.class);
                target = ((Map<?, ?>) target).get(part);
            }
            assertThat(target).as("the target of " + ref).isNotNull();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyTopicIsAChannelAndEveryPayloadIsTheEventsSchema() throws Exception {
        Map<String, Object> doc = committed();
        assertThat(doc.get("asyncapi")).isEqualTo("3.0.0");
        Map<String, Map<String, Object>> channels = (Map<String, Map<String, Object>>) doc.get("channels");
        Set<String> addresses = new TreeSet<>();
        channels.values().forEach(c -> addresses.add((String) c.get("address")));
        assertThat(addresses)
                .containsExactlyInAnyOrderElementsOf(
                        Topics.ALL.stream().map(Topic::name).toList());

        Map<String, Map<String, Object>> messages =
                (Map<String, Map<String, Object>>) ((Map<String, Object>) doc.get("components")).get("messages");
        ObjectMapper json = new ObjectMapper();
        for (Topic<?> topic : Topics.ALL) {
            for (Class<?> event : topic.events()) {
                Map<String, Object> payload = (Map<String, Object>)
                        messages.get(event.getSimpleName()).get("payload");
                Schema described = new Schema.Parser().parse(json.writeValueAsString(payload.get("schema")));
                assertThat(described)
                        .as(event.getSimpleName())
                        .isEqualTo(SpecificData.get().getSchema(event));
            }
        }
    }

    private static Map<String, Object> committed() throws Exception {
        return new Yaml().load(Files.readString(FILE));
    }

    private static void collectRefs(Object node, List<String> refs) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                if ("$ref".equals(key)) {
                    refs.add((String) value);
                } else {
                    collectRefs(value, refs);
                }
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectRefs(item, refs));
        }
    }
}
