package app.donna.chat.stream;

import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import java.util.concurrent.Future;

/**
 * Where reply fragments go the moment the model produces them, and notices of a reply slow to come the
 * moment it is late: outside the stream's transaction, so browsers see them live. Best effort: never throws.
 */
public interface DeltaSink {

    /**
     * @return done when the fragment is written or given up on (never left pending for long), so the final
     *         reply can be held until its fragments are ahead of it on the topic
     */
    Future<?> publish(ChatReplyDelta delta);

    /** @return done when the notice is written or given up on */
    Future<?> publish(ChatReplyDelayed delayed);
}
