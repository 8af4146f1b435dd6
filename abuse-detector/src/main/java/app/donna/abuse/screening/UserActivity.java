package app.donna.abuse.screening;

import java.util.ArrayList;
import java.util.List;

/**
 * What one user (or anonymous session) did recently, as the behaviour rules need it: when each message
 * came, a hash of its normalised text, and whether it was flagged. Kept in a state store per user.
 *
 * @param latestAt the latest message time seen (event time, epoch millis): the user's stream time
 */
public record UserActivity(long latestAt, List<Entry> entries) {

    /** One past message. */
    public record Entry(long at, long textHash, boolean flagged) {}

    public static final UserActivity EMPTY = new UserActivity(Long.MIN_VALUE, List.of());

    public UserActivity {
        entries = List.copyOf(entries);
    }

    /** This activity with one more message, forgetting what is older than {@code keepFor} before the latest. */
    public UserActivity with(Entry entry, long keepFor) {
        long latest = Math.max(latestAt, entry.at());
        List<Entry> kept = new ArrayList<>(entries.size() + 1);
        for (Entry e : entries) {
            if (e.at() >= latest - keepFor) {
                kept.add(e);
            }
        }
        kept.add(entry);
        return new UserActivity(latest, kept);
    }
}
