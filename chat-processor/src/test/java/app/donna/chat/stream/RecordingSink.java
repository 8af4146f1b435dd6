package app.donna.chat.stream;

import app.donna.events.chat.ChatReplyDelayed;
import app.donna.events.chat.ChatReplyDelta;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;

/** Keeps what the processor publishes live; fragments count as written when {@link #written} is done. */
final class RecordingSink implements DeltaSink {

    final List<ChatReplyDelta> deltas = new CopyOnWriteArrayList<>();
    final List<ChatReplyDelayed> delays = new CopyOnWriteArrayList<>();
    /** What the sink reports for each fragment's writing; written at once unless a test says otherwise. */
    volatile CompletableFuture<Void> written = CompletableFuture.completedFuture(null);

    @Override
    public Future<?> publish(ChatReplyDelta delta) {
        deltas.add(delta);
        return written;
    }

    @Override
    public Future<?> publish(ChatReplyDelayed delayed) {
        delays.add(delayed);
        return CompletableFuture.completedFuture(null);
    }
}
