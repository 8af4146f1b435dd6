package app.donna.chat.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.Turn;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Binary form of a {@link Conversation} for the state store and its changelog; internal, versioned. */
final class ConversationSerde implements Serde<Conversation> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<Conversation> serializer() {
        return (topic, c) -> {
            if (c == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeInt(c.turns().size());
                for (Turn t : c.turns()) {
                    out.writeByte(t.role().ordinal());
                    byte[] text = t.text().getBytes(StandardCharsets.UTF_8);
                    out.writeInt(text.length);
                    out.write(text);
                }
                out.writeInt(c.answered().size());
                for (UUID id : c.answered()) {
                    out.writeLong(id.getMostSignificantBits());
                    out.writeLong(id.getLeastSignificantBits());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<Conversation> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                if (in.readByte() != VERSION) {
                    throw new IllegalStateException("unknown conversation format");
                }
                int turns = in.readInt();
                List<Turn> t = new ArrayList<>(turns);
                for (int i = 0; i < turns; i++) {
                    Turn.Role role = Turn.Role.values()[in.readByte()];
                    byte[] text = new byte[in.readInt()];
                    in.readFully(text);
                    t.add(new Turn(role, new String(text, StandardCharsets.UTF_8)));
                }
                int ids = in.readInt();
                List<UUID> answered = new ArrayList<>(ids);
                for (int i = 0; i < ids; i++) {
                    answered.add(new UUID(in.readLong(), in.readLong()));
                }
                return new Conversation(t, answered);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
