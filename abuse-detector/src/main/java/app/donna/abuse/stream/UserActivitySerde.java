package app.donna.abuse.stream;

import app.donna.abuse.screening.UserActivity;
import app.donna.platform.kafka.BinaryStateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Binary form of {@link UserActivity} for its store and changelog: the latest time, then the entries. */
final class UserActivitySerde extends BinaryStateSerde<UserActivity> {

    UserActivitySerde() {
        super("user activity", 1);
    }

    @Override
    protected void write(DataOutputStream out, UserActivity activity) throws IOException {
        out.writeLong(activity.latestAt());
        out.writeInt(activity.entries().size());
        for (UserActivity.Entry e : activity.entries()) {
            out.writeLong(e.at());
            out.writeLong(e.textHash());
            out.writeBoolean(e.flagged());
        }
    }

    @Override
    protected UserActivity read(DataInputStream in) throws IOException {
        long latest = in.readLong();
        int n = in.readInt();
        List<UserActivity.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new UserActivity.Entry(in.readLong(), in.readLong(), in.readBoolean()));
        }
        return new UserActivity(latest, entries);
    }
}
