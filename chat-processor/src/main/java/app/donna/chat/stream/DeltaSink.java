package app.donna.chat.stream;

import app.donna.events.chat.ChatReplyDelta;

/** Where reply fragments go the moment the model produces them. Best effort: never throws. */
public interface DeltaSink {

    void publish(ChatReplyDelta delta);
}
