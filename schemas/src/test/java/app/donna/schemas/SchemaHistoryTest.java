package app.donna.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every event schema as this build compiles it must be released (the newest history entry) and be
 * backward and forward compatible with every earlier release, so that old and new services can read
 * each other's events in both directions during a rolling deploy or a replay.
 */
class SchemaHistoryTest {

    static Stream<Class<?>> catalogEvents() {
        return Topics.ALL.stream().flatMap(t -> t.events().stream()).distinct().map(c -> (Class<?>) c);
    }

    @ParameterizedTest
    @MethodSource("catalogEvents")
    void currentSchemaIsTheNewestRelease(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        List<BundledSchemas.Version> history = BundledSchemas.get().history(current.getFullName());

        assertThat(history).as("released versions of %s", current.getFullName()).isNotEmpty();
        assertThat(history.getLast().fingerprint())
                .as(
                        "%s changed since its last release; run ReleaseSchemas (see schemas/README.md)",
                        current.getFullName())
                .isEqualTo(BundledSchemas.fingerprint(current));
    }

    @ParameterizedTest
    @MethodSource("catalogEvents")
    void currentSchemaReadsAndIsReadByEveryRelease(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        for (BundledSchemas.Version released : BundledSchemas.get().history(current.getFullName())) {
            assertThat(compatibility(current, released.writer()))
                    .as("backward: current %s reads release v%d", current.getFullName(), released.version())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            assertThat(compatibility(released.writer(), current))
                    .as("forward: release v%d of %s reads current", released.version(), current.getFullName())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void everyReleasedSchemaBelongsToACatalogEvent() {
        List<String> catalog = catalogEvents()
                .map(c -> SpecificData.get().getSchema(c).getFullName())
                .toList();
        assertThat(BundledSchemas.get().all().keySet()).containsExactlyInAnyOrderElementsOf(catalog);
    }

    @Test
    void anIncompatibleChangeIsDetected() {
        // given a release with a required field, and a "new" version that drops the field's default
        Schema released = new Schema.Parser().parse("""
                {"type":"record","name":"E","fields":[{"name":"a","type":"string"}]}""");
        Schema changed = new Schema.Parser().parse("""
                {"type":"record","name":"E","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}""");
        // then the new reader cannot read old events (b has no default)
        assertThat(compatibility(changed, released)).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static SchemaCompatibilityType compatibility(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getType();
    }
}
