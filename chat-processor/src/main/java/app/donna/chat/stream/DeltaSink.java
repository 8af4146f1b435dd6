package app.donna.chat.stream;

import java.util.concurrent.Future;

import app.donna.events.chat.ChatReplyDelta;

/** Where reply fragments go the moment the model produces them. Best effort: never throws. */
public interface DeltaSink {

    /**
     * @return done when the fragment is written or given up on (never left pending for long), so the final
     *         reply can be held until its fragments are ahead of it on the topic
     */
    Future<?> publish(ChatReplyDelta delta);
}
