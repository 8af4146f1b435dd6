package app.donna.chat.stream;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.platform.kafka.BinaryStateSerde;
import app.donna.schemas.EventCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of {@link AwaitingReply} for its store and changelog. The messages are kept in the event
 * contract's own encoding (with its schema fingerprint), so a queue written by one release is read by the
 * next.
 */
final class AwaitingReplySerde extends BinaryStateSerde<AwaitingReply> {

    private static final EventCodec CODEC = EventCodec.bundled();

    AwaitingReplySerde() {
        super("awaiting-reply", 1);
    }

    @Override
    protected void write(DataOutputStream out, AwaitingReply queue) throws IOException {
        out.writeInt(queue.messages().size());
        for (AwaitingReply.Waiting w : queue.messages()) {
            byte[] event = CODEC.encode(w.message());
            out.writeInt(event.length);
            out.write(event);
            out.writeBoolean(w.traceparent() != null);
            if (w.traceparent() != null) {
                out.writeUTF(w.traceparent());
            }
        }
    }

    @Override
    protected AwaitingReply read(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<AwaitingReply.Waiting> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] event = new byte[in.readInt()];
            in.readFully(event);
            String traceparent = in.readBoolean() ? in.readUTF() : null;
            messages.add(new AwaitingReply.Waiting((ChatMessageScreened) CODEC.decode(event), traceparent));
        }
        return new AwaitingReply(messages);
    }
}
