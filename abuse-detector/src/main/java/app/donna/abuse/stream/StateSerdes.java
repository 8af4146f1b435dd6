package app.donna.abuse.stream;

import app.donna.abuse.state.MessageActivity;
import app.donna.platform.kafka.AvroStateSerde;
import app.donna.schemas.BundledSchemas;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;

/**
 * The abuse-detector's store values as the Avro state records of {@code src/main/avro}, resolved among
 * their released versions ({@value #HISTORY}), so a store or changelog written by an earlier release is
 * read by this one.
 */
final class StateSerdes {

    static final String HISTORY = "app/donna/abuse/state/history/";

    /** The state records whose versions are released under {@link #HISTORY}. */
    static final List<Class<?>> STATE_RECORDS = List.of(MessageActivity.class);

    private static final BundledSchemas RELEASED = BundledSchemas.at(HISTORY);

    private StateSerdes() {}

    static Serde<MessageActivity> messageActivity() {
        return messageActivity(RELEASED);
    }

    /** Reading among other released versions: for tests of schema evolution. */
    static Serde<MessageActivity> messageActivity(BundledSchemas released) {
        // Born as Avro (the store before it, user-activity, is left behind), so no legacy format.
        return new AvroStateSerde<>(
                "message activity", MessageActivity.class, released, value -> value, value -> value, null);
    }
}
