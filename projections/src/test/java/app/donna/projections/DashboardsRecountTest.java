package app.donna.projections;

import static app.donna.projections.DashboardProjectionTest.connected;
import static app.donna.projections.DashboardProjectionTest.received;
import static app.donna.projections.DashboardProjectionTest.reply;
import static app.donna.projections.DashboardProjectionTest.screened;
import static app.donna.projections.DashboardProjectionTest.sent;
import static app.donna.projections.DashboardProjectionTest.started;
import static app.donna.projections.DashboardProjectionTest.transcript;
import static app.donna.projections.DashboardProjectionTest.voiceEnded;
import static app.donna.projections.DashboardProjectionTest.voiceStarted;
import static org.assertj.core.api.Assertions.assertThat;

import app.donna.events.chat.ChatMessageScreened;
import app.donna.events.chat.ChatReplyProduced;
import app.donna.events.chat.ChatSessionStarted;
import app.donna.events.common.Decision;
import app.donna.events.common.TokenUsage;
import app.donna.events.email.EmailReceived;
import app.donna.events.email.EmailSent;
import app.donna.events.email.GmailConnected;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceResponseCompleted;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceTranscript;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.engine.BatchProjector;
import app.donna.projections.engine.CatalogTopics;
import app.donna.projections.engine.LiveProjector;
import app.donna.projections.engine.MigratedDatabase;
import app.donna.projections.engine.Replay;
import app.donna.schemas.CatalogSerializer;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The inbox and the analytics' tokens of a workspace equal a recount made here, independently, from the
 * topics, after a run of mixed chat, voice and email traffic projected by the live dashboards projector;
 * and again after the dashboards are rebuilt and switched in ({@code donna replay dashboards --switch})
 * while more traffic arrives.
 */
@ExtendWith(InfraExtension.class)
class DashboardsRecountTest {

    static final EventCodec CODEC = EventCodec.bundled();
    static final List<Topic<?>> TOPICS = new DashboardProjection().topics();

    HikariDataSource dataSource;
    BatchProjector live;

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    /** One conversation as counted: its channel, messages, flags, blocks and tokens. */
    record Figures(String channel, long messages, long flagged, long blocked, long tokens) {}

    @Test
    void theDashboardsEqualARecountFromTheTopicsBeforeAndAfterAReplaySwitch(InfraExtension.KafkaBootstrap kafka)
            throws Exception {
        dataSource = MigratedDatabase.create("recount");
        DSLContext db = DSL.using(dataSource, SQLDialect.POSTGRES);
        CatalogTopics.create(kafka.servers());
        String ws = "ws-recount-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> consumerConfig = Map.of("bootstrap.servers", kafka.servers());
        live = LiveProjector.start(new DashboardProjection(), db, kafka.servers());

        publish(kafka.servers(), traffic(ws, 0));
        LiveProjector.awaitAtTheEnd(new DashboardProjection(), db, kafka.servers());
        Map<String, Figures> recount = recount(kafka.servers(), ws);
        assertThat(recount).hasSize(30 + 10 + 10);
        assertThat(dashboards(db, ws)).isEqualTo(recount);

        // rebuilt beside the live tables, equal to them, and switched in while more traffic arrives
        Replay replay = new Replay(dataSource, consumerConfig, new DashboardProjection(), Clock.systemUTC());
        replay.rebuild(progress -> {});
        assertThat(replay.compare())
                .allSatisfy(t -> assertThat(t.same()).as(t.toString()).isTrue());
        Thread more = Thread.ofVirtual().start(() -> publish(kafka.servers(), traffic(ws, 1)));
        replay.switchIn();
        more.join();
        LiveProjector.awaitAtTheEnd(new DashboardProjection(), db, kafka.servers());
        Map<String, Figures> again = recount(kafka.servers(), ws);
        assertThat(again).hasSize(2 * (30 + 10 + 10));
        assertThat(dashboards(db, ws)).isEqualTo(again);
        assertThat(live.failure()).isNull();
    }

    /** 30 chats (one flagged and one blocked message among them), 10 calls, 10 mail threads, in order. */
    static List<ProducerRecord<String, SpecificRecordBase>> traffic(String ws, int round) {
        List<ProducerRecord<String, SpecificRecordBase>> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            UUID session = UUID.randomUUID();
            String visitor = "anon:" + session;
            records.add(Topics.CHAT_SCREENED.record(session.toString(), started(ws, session, visitor)));
            Decision decision = i == 7 ? Decision.FLAG : i == 11 ? Decision.BLOCK : Decision.ALLOW;
            records.add(Topics.CHAT_SCREENED.record(
                    session.toString(), screened(ws, session, visitor, "Hello " + i, decision, 1)));
            records.add(Topics.CHAT_REPLIES.record(
                    session.toString(),
                    ChatReplyProduced.newBuilder(reply(session, "Hi " + i, 2))
                            .setModel("gpt-test")
                            .setUsage(usage(100 + i, 20))
                            .build()));
        }
        for (int i = 0; i < 10; i++) {
            UUID call = UUID.randomUUID();
            String caller = "caller-" + round + "-" + i;
            String key = call.toString();
            records.add(Topics.VOICE_EVENTS.record(key, voiceStarted(ws, call, caller, 1)));
            records.add(Topics.VOICE_EVENTS.record(key, transcript(call, caller, SpeakerRole.USER, "Book me", 2)));
            records.add(Topics.VOICE_EVENTS.record(key, transcript(call, caller, SpeakerRole.ASSISTANT, "Done", 3)));
            records.add(Topics.VOICE_EVENTS.record(
                    key,
                    VoiceResponseCompleted.newBuilder()
                            .setEventId(UUID.randomUUID())
                            .setOccurredAt(DashboardProjectionTest.T0.plusSeconds(3))
                            .setVoiceSessionId(call)
                            .setUserId(caller)
                            .setResponseId("resp-" + i)
                            .setUsage(usage(300, 50 + i))
                            .build()));
            records.add(Topics.VOICE_EVENTS.record(key, voiceEnded(call, caller, 4)));
        }
        String mailbox = "box-" + ws + "-" + round;
        records.add(Topics.EMAIL_EVENTS.record(mailbox, connected(ws, mailbox, 0)));
        for (int i = 0; i < 10; i++) {
            String thread = "t" + i;
            records.add(Topics.EMAIL_EVENTS.record(
                    mailbox, received(mailbox, "m" + i, thread, "Bo" + i + " <bo" + i + "@example.com>", "Q" + i, 1)));
            records.add(Topics.EMAIL_EVENTS.record(mailbox, sent(mailbox, thread, "Re: Q" + i, 2)));
        }
        return records;
    }

    static TokenUsage usage(int input, int output) {
        return TokenUsage.newBuilder()
                .setInputTokens(input)
                .setOutputTokens(output)
                .setTotalTokens(input + output)
                .build();
    }

    static void publish(String servers, List<ProducerRecord<String, SpecificRecordBase>> records) {
        try (var producer = new KafkaProducer<String, SpecificRecordBase>(
                Map.of("bootstrap.servers", servers, "acks", "all", "enable.idempotence", true),
                new StringSerializer(),
                new CatalogSerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    /**
     * The workspace's conversations counted from the topics alone, with rules of this test's own: a chat's
     * screened messages and replies, a call's final transcript lines, a thread's mails in and out; flags and
     * blocks of chat verdicts; the tokens of replies and call responses.
     */
    static Map<String, Figures> recount(String servers, String ws) {
        List<SpecificRecordBase> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of("bootstrap.servers", servers, "isolation.level", "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            TOPICS.forEach(t -> consumer.partitionsFor(t.name())
                    .forEach(p -> partitions.add(new TopicPartition(t.name(), p.partition()))));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    try {
                        events.add(CODEC.decode(r.value()));
                    } catch (RuntimeException notAnEvent) {
                        // another test's poison: not this workspace's
                    }
                });
            }
        }
        Set<String> chats = new HashSet<>();
        Set<String> calls = new HashSet<>();
        Set<String> mailboxes = new HashSet<>();
        for (SpecificRecordBase e : events) {
            switch (e) {
                case ChatSessionStarted s when ws.equals(s.getWorkspaceId()) -> chats.add("chat:" + s.getSessionId());
                case VoiceSessionStarted s
                when ws.equals(s.getWorkspaceId()) -> calls.add("voice:" + s.getVoiceSessionId());
                case GmailConnected c when ws.equals(c.getWorkspaceId()) -> mailboxes.add(c.getUserId());
                default -> {}
            }
        }
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, String> channels = new HashMap<>();
        for (SpecificRecordBase e : events) {
            switch (e) {
                case ChatMessageScreened m
                when chats.contains("chat:" + m.getSessionId()) -> {
                    long[] c = count(counts, channels, "chat:" + m.getSessionId(), "chat");
                    c[0]++;
                    c[1] += m.getVerdict().getDecision() == Decision.FLAG ? 1 : 0;
                    c[2] += m.getVerdict().getDecision() == Decision.BLOCK ? 1 : 0;
                }
                case ChatReplyProduced r
                when chats.contains("chat:" + r.getSessionId()) -> {
                    long[] c = count(counts, channels, "chat:" + r.getSessionId(), "chat");
                    c[0]++;
                    c[3] += r.getUsage() == null
                            ? 0
                            : r.getUsage().getInputTokens() + r.getUsage().getOutputTokens();
                }
                case VoiceTranscript t
                when t.getIsFinal() && calls.contains("voice:" + t.getVoiceSessionId()) ->
                    count(counts, channels, "voice:" + t.getVoiceSessionId(), "voice")[0]++;
                case VoiceResponseCompleted r
                when calls.contains("voice:" + r.getVoiceSessionId()) ->
                    count(counts, channels, "voice:" + r.getVoiceSessionId(), "voice")[3] +=
                            r.getUsage().getInputTokens() + r.getUsage().getOutputTokens();
                case EmailReceived m
                when mailboxes.contains(m.getUserId()) ->
                    count(counts, channels, "email:" + m.getUserId() + "/" + m.getThreadId(), "email")[0]++;
                case EmailSent m
                when mailboxes.contains(m.getUserId()) ->
                    count(counts, channels, "email:" + m.getUserId() + "/" + m.getThreadId(), "email")[0]++;
                default -> {}
            }
        }
        Map<String, Figures> figures = new TreeMap<>();
        counts.forEach((id, c) -> figures.put(id, new Figures(channels.get(id), c[0], c[1], c[2], c[3])));
        return figures;
    }

    private static long[] count(Map<String, long[]> counts, Map<String, String> channels, String id, String channel) {
        channels.put(id, channel);
        return counts.computeIfAbsent(id, k -> new long[4]);
    }

    /** The same figures as the dashboards have them. */
    static Map<String, Figures> dashboards(DSLContext db, String ws) {
        Map<String, Figures> figures = new TreeMap<>();
        db.fetch(
                        "SELECT c.conversation_id, c.channel, c.messages, c.flagged, c.blocked, "
                                + "(SELECT coalesce(sum(n), 0) FROM dashboard_facts f WHERE f.conversation_id = c.conversation_id "
                                + "AND f.figure IN ('input_tokens', 'output_tokens'))::bigint "
                                + "FROM dashboard_conversations c WHERE c.workspace_id = ?",
                        ws)
                .forEach(r -> figures.put(
                        r.get(0, String.class),
                        new Figures(
                                r.get(1, String.class),
                                r.get(2, Long.class),
                                r.get(3, Long.class),
                                r.get(4, Long.class),
                                r.get(5, Long.class))));
        return figures;
    }
}
