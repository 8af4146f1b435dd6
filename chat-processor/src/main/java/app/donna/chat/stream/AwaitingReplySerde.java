package app.donna.chat.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.schemas.EventCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary form of {@link AwaitingReply} for its store and changelog: internal and versioned. The messages
 * are kept in the event contract's own encoding (with its schema fingerprint), so a queue written by one
 * release is read by the next.
 */
final class AwaitingReplySerde implements Serde<AwaitingReply> {

    private static final byte VERSION = 1;
    private static final EventCodec CODEC = EventCodec.bundled();

    @Override
    public Serializer<AwaitingReply> serializer() {
        return (topic, queue) -> {
            if (queue == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
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
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<AwaitingReply> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                if (in.readByte() != VERSION) {
                    throw new IllegalStateException("unknown awaiting-reply format");
                }
                int count = in.readInt();
                List<AwaitingReply.Waiting> messages = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    byte[] event = new byte[in.readInt()];
                    in.readFully(event);
                    String traceparent = in.readBoolean() ? in.readUTF() : null;
                    messages.add(new AwaitingReply.Waiting((ChatMessageScreened) CODEC.decode(event), traceparent));
                }
                return new AwaitingReply(messages);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
