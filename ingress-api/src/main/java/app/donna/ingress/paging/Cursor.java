package app.donna.ingress.paging;

import app.donna.platform.web.Problems;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;

/**
 * Keyset position after a row of a list (a message, a chat session, a voice call): its time and id,
 * opaque to clients. Anything that is not a cursor this API wrote is an {@link IllegalArgumentException},
 * whatever is wrong with it.
 */
public record Cursor(Instant at, UUID id) {

    public static Cursor parse(String value) {
        Keyed keyed = Keyed.parse(value);
        try {
            return new Cursor(keyed.at(), UUID.fromString(keyed.key()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor of this API", e);
        }
    }

    @Override
    public String toString() {
        return new Keyed(at, id.toString()).toString();
    }

    /** The 400 for a cursor this API did not write. */
    public static ResponseEntity<?> notOurs() {
        return Problems.response(Problems.invalid(
                "The cursor is not one this API returned.",
                List.of(new Problems.FieldProblem("cursor", "is not a cursor this API returned"))));
    }

    /** The same, after a row whose id is text (a Gmail message's). */
    public record Keyed(Instant at, String key) {

        public static Keyed parse(String value) {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
                int bar = decoded.indexOf('|');
                if (bar < 0 || bar == decoded.length() - 1) {
                    throw new IllegalArgumentException("bad cursor");
                }
                return new Keyed(Instant.parse(decoded.substring(0, bar)), decoded.substring(bar + 1));
            } catch (java.time.DateTimeException | IllegalArgumentException e) {
                throw new IllegalArgumentException("not a cursor of this API", e);
            }
        }

        @Override
        public String toString() {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString((at + "|" + key).getBytes(StandardCharsets.UTF_8));
        }
    }
}
