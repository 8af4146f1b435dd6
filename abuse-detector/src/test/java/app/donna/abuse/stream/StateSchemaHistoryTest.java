package app.donna.abuse.stream;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.schemas.BundledSchemas;
import app.donna.schemas.SchemaReleases;
import org.junit.jupiter.api.Test;

/**
 * The store values' schemas as this build compiles them are released and compatible both ways with every
 * earlier release, so a rolling upgrade (or a rollback) reads the stores and changelogs the other
 * release wrote. Release with {@link ReleaseStateSchemas}.
 */
class StateSchemaHistoryTest {

    @Test
    void everyStateSchemaIsReleasedAndCompatibleWithEveryRelease() {
        assertThat(SchemaReleases.problems(BundledSchemas.at(StateSerdes.HISTORY), StateSerdes.STATE_RECORDS))
                .isEmpty();
    }
}
