package app.donna.ingress.paging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Keyset position after a row of a list (a message, a chat session, a voice call): its time and id,
 * opaque to clients. Anything that is not a cursor this API wrote is an {@link IllegalArgumentException},
 * whatever is wrong with it.
 */
public record Cursor(Instant at, UUID id) {

    public static Cursor parse(String value) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
            int bar = decoded.indexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("bad cursor");
            }
            return new Cursor(Instant.parse(decoded.substring(0, bar)), UUID.fromString(decoded.substring(bar + 1)));
        } catch (java.time.DateTimeException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor of this API", e);
        }
    }

    @Override
    public String toString() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
    }
}
