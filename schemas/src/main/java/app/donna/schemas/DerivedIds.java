package app.donna.schemas;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Ids derived from what they stand for (a name-based UUID of {@code kind:source}), so every attempt at
 * producing the same thing (a retried message, a redelivered event answered again) carries the same id and
 * readers deduplicate by it. Part of the contracts: changing the form would change every derived id.
 */
public final class DerivedIds {

    private DerivedIds() {}

    public static UUID of(String kind, Object source) {
        return UUID.nameUUIDFromBytes((kind + ":" + source).getBytes(StandardCharsets.UTF_8));
    }
}
