package app.donna.chat.stream;

import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Since when the messages this instance is answering have waited, in memory, for health: each live reply
 * task registers what it has under way, and unregisters when it closes. Every answer is given, or given
 * up for an offline one, within the model's deadlines, so a message that has waited far longer than that
 * means a task that has stopped answering ({@link UnansweredHealthIndicator}).
 */
final class UnansweredMessages {

    /** One live task's answers under way. */
    interface Task {

        /** The task, as Kafka Streams names it (e.g. {@code 0_3}). */
        String name();

        /** When the oldest answer under way began; empty when none is. */
        Optional<Instant> oldestSince();
    }

    /** The longest-waiting answer of this instance. */
    record Oldest(String task, Instant since) {}

    private final Set<Task> tasks = ConcurrentHashMap.newKeySet();

    void register(Task task) {
        tasks.add(task);
    }

    void unregister(Task task) {
        tasks.remove(task);
    }

    Optional<Oldest> oldest() {
        return tasks.stream()
                .flatMap(t -> t.oldestSince().map(since -> new Oldest(t.name(), since)).stream())
                .min(Comparator.comparing(Oldest::since));
    }
}
