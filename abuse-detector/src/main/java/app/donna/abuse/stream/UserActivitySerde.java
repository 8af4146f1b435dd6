package app.donna.abuse.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import app.donna.abuse.screening.UserActivity;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Compact binary form of {@link UserActivity} for the state store and its changelog: a format version,
 * then the latest time and the entries. Internal to this service, so not an Avro contract.
 */
final class UserActivitySerde implements Serde<UserActivity> {

    private static final byte VERSION = 1;

    @Override
    public Serializer<UserActivity> serializer() {
        return (topic, activity) -> {
            if (activity == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + activity.entries().size() * 17);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(VERSION);
                out.writeLong(activity.latestAt());
                out.writeInt(activity.entries().size());
                for (UserActivity.Entry e : activity.entries()) {
                    out.writeLong(e.at());
                    out.writeLong(e.textHash());
                    out.writeBoolean(e.flagged());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
    }

    @Override
    public Deserializer<UserActivity> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte version = in.readByte();
                if (version != VERSION) {
                    throw new IllegalStateException("unknown user activity format " + version);
                }
                long latest = in.readLong();
                int n = in.readInt();
                List<UserActivity.Entry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(new UserActivity.Entry(in.readLong(), in.readLong(), in.readBoolean()));
                }
                return new UserActivity(latest, entries);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
