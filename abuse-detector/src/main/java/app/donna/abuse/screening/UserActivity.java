package app.donna.abuse.screening;

import java.util.List;

/**
 * What one user (or anonymous session) did recently, as the behaviour rules need it: when each message
 * came, a hash of its normalised text, and whether it was flagged. The stream keeps these entries in a
 * window store, which lets go of them once no window can need them; this is the plain list it hands over.
 *
 * @param entries the user's remembered messages within the rules' look-back, in any order
 */
public record UserActivity(List<Entry> entries) {

    /** One past message. */
    public record Entry(long at, long textHash, boolean flagged) {}

    public static final UserActivity EMPTY = new UserActivity(List.of());

    public UserActivity {
        entries = List.copyOf(entries);
    }

    /** The latest message time remembered (event time, epoch millis): the user's stream time. */
    public long latestAt() {
        long latest = Long.MIN_VALUE;
        for (Entry e : entries) {
            latest = Math.max(latest, e.at());
        }
        return latest;
    }
}
