package app.donna.chat.stream;

import app.donna.chat.reply.Conversation;
import app.donna.chat.reply.Turn;
import app.donna.platform.kafka.BinaryStateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Binary form of a {@link Conversation} for its store and changelog: the turns, then the answered ids. */
final class ConversationSerde extends BinaryStateSerde<Conversation> {

    ConversationSerde() {
        super("conversation", 1);
    }

    @Override
    protected void write(DataOutputStream out, Conversation c) throws IOException {
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
    }

    @Override
    protected Conversation read(DataInputStream in) throws IOException {
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
    }
}
