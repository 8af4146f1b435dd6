package app.donna.platform.workspace;

import app.donna.events.workspace.TokenBudgetSpent;
import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.events.workspace.WorkspaceRole;
import app.donna.platform.budget.TokenBudget;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.persona.Persona;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The workspaces' personas and memberships, for a service that speaks for a business or must know whose
 * caller it has without a database: it reads the compacted
 * {@code donna.workspace} whole, every partition, from the start (no consumer group: every instance needs
 * all of it), and keeps reading, so a persona an owner sets is used from the next answer on. Start-up
 * waits, up to {@code catchUp}, until what was on the topic is read, so the first answers already speak for
 * the right business; a broker that is down then only delays it, and the configured persona is used until
 * the topic is read. A record it cannot read is skipped with a warning.
 */
public final class WorkspaceDirectory implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceDirectory.class);

    private final Map<String, Object> consumerConfig;
    private final Persona configured;
    private final String defaultWorkspace;
    private final Duration catchUp;
    private final Map<String, Stamped<Persona>> personas = new ConcurrentHashMap<>();
    /** Spent token budgets by their key on the topic; a day's go once it is past. */
    private final Map<String, TokenBudget.Spent> spentBudgets = new ConcurrentHashMap<>();
    /** Each user's memberships by workspace (REMOVED ones kept, so a late older record changes nothing). */
    private final Map<String, Map<String, Stamped<WorkspaceRole>>> memberships = new ConcurrentHashMap<>();

    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    private record Stamped<T>(T value, Instant at) {}

    /**
     * @param configured       the persona of a workspace that has set none
     * @param defaultWorkspace the workspace of events that name none (from before workspaces)
     * @param catchUp          how long start-up waits to have read the topic
     */
    public WorkspaceDirectory(
            KafkaClientProperties clients, Persona configured, String defaultWorkspace, Duration catchUp) {
        this.consumerConfig = KafkaClientProperties.assigningReader(clients.consumer());
        this.configured = configured;
        this.defaultWorkspace = defaultWorkspace;
        this.catchUp = catchUp;
    }

    /** The persona of {@code workspaceId} (null: the default workspace), or the configured one. */
    public Persona persona(String workspaceId) {
        Stamped<Persona> set = personas.get(workspaceId == null ? defaultWorkspace : workspaceId);
        return set == null ? configured : set.value();
    }

    /**
     * The workspace {@code userId} works for by a membership an owner manages (the newest, should there be
     * more); empty for anyone else. Role claims and configured owners are the token's to say
     * ({@link WorkspaceIdentity}).
     */
    public Optional<String> workspaceOf(String userId) {
        return memberships.getOrDefault(userId, Map.of()).entrySet().stream()
                .filter(e -> e.getValue().value() == WorkspaceRole.OWNER
                        || e.getValue().value() == WorkspaceRole.STAFF)
                .max(Comparator.comparing(e -> e.getValue().at()))
                .map(Map.Entry::getKey);
    }

    /**
     * The token budgets read here, as they hold on {@code clock}'s UTC day: a workspace's, or one visitor's,
     * spent today means answers without the model until the day ends.
     */
    public TokenBudget budgets(Clock clock) {
        return (workspaceId, subject) -> {
            String workspace = workspaceId == null ? defaultWorkspace : workspaceId;
            LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            TokenBudget.Spent whole = spentBudgets.get(Topics.budgetKey(workspace, today, null));
            if (whole != null || subject == null) {
                return Optional.ofNullable(whole);
            }
            return Optional.ofNullable(spentBudgets.get(Topics.budgetKey(workspace, today, subject)));
        };
    }

    void apply(TokenBudgetSpent spent) {
        TokenBudget.Spent budget = new TokenBudget.Spent(
                spent.getWorkspaceId(),
                spent.getSubject(),
                spent.getDay(),
                spent.getUsedTokens(),
                spent.getLimitTokens());
        spentBudgets.put(Topics.budgetKey(budget.workspaceId(), budget.day(), budget.subject()), budget);
        // days past hold nothing any more: forgotten, so a long-running service does not keep every day's
        LocalDate yesterday = budget.day().minusDays(1);
        spentBudgets.values().removeIf(b -> b.day().isBefore(yesterday));
    }

    void apply(WorkspaceCreated created) {
        // the creator is the first owner, unless a record of their membership says otherwise
        memberships
                .computeIfAbsent(created.getCreatedBy(), u -> new ConcurrentHashMap<>())
                .putIfAbsent(created.getWorkspaceId(), new Stamped<>(WorkspaceRole.OWNER, created.getOccurredAt()));
    }

    void apply(WorkspaceMemberChanged changed) {
        memberships
                .computeIfAbsent(changed.getUserId(), u -> new ConcurrentHashMap<>())
                .merge(
                        changed.getWorkspaceId(),
                        new Stamped<>(changed.getRole(), changed.getOccurredAt()),
                        WorkspaceDirectory::newer);
    }

    /** Keeps a persona unless a newer one of the same workspace is known (a compacted topic read again). */
    void apply(WorkspacePersonaSet set) {
        Persona persona = new Persona(
                set.getBusinessName(), set.getHours(), set.getServices(), set.getTone(), set.getInstructions());
        personas.merge(set.getWorkspaceId(), new Stamped<>(persona, set.getOccurredAt()), WorkspaceDirectory::newer);
    }

    private static <T> Stamped<T> newer(Stamped<T> known, Stamped<T> now) {
        return now.at().isBefore(known.at()) ? known : now;
    }

    @Override
    public void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        thread = Thread.ofPlatform().name("workspace-directory").daemon().start(this::read);
        try {
            if (!caughtUp.await(catchUp.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "{} was not read within {}; answers use the configured persona until it is",
                        Topics.WORKSPACE.name(),
                        catchUp);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void read() {
        EventCodec codec = EventCodec.bundled();
        while (running.get()) {
            try (var reader =
                    new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = reader;
                List<TopicPartition> partitions =
                        reader.partitionsFor(Topics.WORKSPACE.name(), Duration.ofSeconds(30)).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition()))
                                .toList();
                if (partitions.isEmpty()) {
                    throw new IllegalStateException(Topics.WORKSPACE.name() + " does not exist yet");
                }
                reader.assign(partitions);
                reader.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = reader.endOffsets(partitions);
                while (running.get()) {
                    for (var record : reader.poll(Duration.ofMillis(500))) {
                        if (record.value() == null) {
                            continue;
                        }
                        try {
                            switch (codec.decode(record.value())) {
                                case WorkspacePersonaSet set -> apply(set);
                                case WorkspaceMemberChanged changed -> apply(changed);
                                case WorkspaceCreated created -> apply(created);
                                case TokenBudgetSpent spent -> apply(spent);
                                default -> {
                                    // nothing else is carried here
                                }
                            }
                        } catch (RuntimeException unreadable) {
                            log.warn(
                                    "Skipping a record on {} this service cannot read (partition {}, offset {})",
                                    record.topic(),
                                    record.partition(),
                                    record.offset());
                        }
                    }
                    if (caughtUp.getCount() > 0
                            && partitions.stream().allMatch(p -> reader.position(p) >= end.get(p))) {
                        log.info("Read {}: {} workspace persona(s)", Topics.WORKSPACE.name(), personas.size());
                        caughtUp.countDown();
                    }
                }
            } catch (WakeupException stopping) {
                return;
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                log.warn("Reading {} failed; trying again in 5 s: {}", Topics.WORKSPACE.name(), e.toString());
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Before the stream apps and listeners that answer for workspaces start (theirs is later). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2000;
    }

    @Override
    public void stop() {
        running.set(false);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }
}
