package app.donna.voice.relay;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code type} of a Realtime event, read without building the event: most messages are audio chunks
 * the relay passes on untouched, and it should not pay for parsing their payload.
 */
final class EventTypes {

    private EventTypes() {}

    /** The top-level {@code type} string, or null when the text is not a JSON object that has one. */
    static String typeOf(JsonMapper json, String event) {
        try (JsonParser parser = json.createParser(event)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("type".equals(name)) {
                    return value == JsonToken.VALUE_STRING ? parser.getString() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (StreamReadException e) {
            return null;
        }
    }
}
