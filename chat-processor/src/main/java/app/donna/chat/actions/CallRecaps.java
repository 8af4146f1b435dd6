package app.donna.chat.actions;

import app.donna.chat.reply.CallRecap;
import app.donna.chat.reply.ReplyComposer;
import app.donna.events.actions.ActionRequested;
import app.donna.events.common.EventSource;
import app.donna.events.voice.SpeakerRole;
import app.donna.events.voice.VoiceSessionEnded;
import app.donna.events.voice.VoiceSessionStarted;
import app.donna.events.voice.VoiceToolCalled;
import app.donna.events.voice.VoiceTranscript;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * After a call ends, tells the business about it: a recap (the model's, or an extractive one when there is
 * no model or it fails; {@link CallRecap}) with the requests the call passed on, published as
 * {@code ActionRequested} of kind {@value #KIND} for the secretary's webhook. Its action id derives from the
 * call, so a replayed end is the same action.
 *
 * <p>Nothing is kept between events: when a call ends, its own events are read back from its partition of
 * {@code donna.voice.events} (a call's events share a key), from just before it started to its end, so a
 * restart in the middle of a call loses nothing.
 */
@Component
class CallRecaps {

    private static final Logger log = LoggerFactory.getLogger(CallRecaps.class);
    static final String KIND = "secretary.call_summary";

    private final ReplyComposer composer;
    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final Map<String, Object> readerConfig;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    CallRecaps(
            ReplyComposer composer,
            KafkaTemplate<String, SpecificRecordBase> kafka,
            KafkaClientProperties clients,
            Clock clock) {
        this.composer = composer;
        this.kafka = kafka;
        this.readerConfig = KafkaClientProperties.assigningReader(clients.consumer());
        this.clock = clock;
    }

    @KafkaListener(
            id = "call-recaps",
            topics = "donna.voice.events",
            groupId = "${donna.actions.recap-group-id:chat-processor-call-recaps}")
    void onVoiceEvent(ConsumerRecord<String, SpecificRecordBase> record) throws Exception {
        if (!(record.value() instanceof VoiceSessionEnded ended)) {
            return;
        }
        List<CallRecap.Line> lines = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        String workspace = readCall(record, ended, lines, requests);
        if (lines.isEmpty() && requests.isEmpty()) {
            log.info("Voice session {} ended with nothing said; no recap", ended.getVoiceSessionId());
            return;
        }
        Optional<String> byModel = composer.in(workspace).recap(lines, requests);
        String recap = byModel.orElseGet(() -> CallRecap.extractive(lines, requests));
        UUID actionId = DerivedIds.of("call-summary", ended.getVoiceSessionId());
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("voiceSessionId", ended.getVoiceSessionId().toString());
        payload.put("summary", recap);
        payload.put("summarisedBy", byModel.isPresent() ? "model" : "extractive");
        payload.put("requestsPassedOn", requests);
        payload.put("durationMs", ended.getDurationMs());
        payload.put("endReason", ended.getReason().name());
        ActionRequested action = ActionRequested.newBuilder()
                .setEventId(DerivedIds.of("action-requested", actionId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(ended.getUserId())
                .setActionId(actionId)
                .setKind(KIND)
                .setIntegration("secretary")
                .setPayloadJson(json.writeValueAsString(payload))
                .setSource(EventSource.VOICE)
                .setSourceId(ended.getVoiceSessionId().toString())
                .setWorkspaceId(workspace)
                .build();
        // waits for the broker: a recap not acknowledged is retried with the record, as the same action
        kafka.send(Topics.ACTIONS.record(ended.getUserId(), action)).get(30, TimeUnit.SECONDS);
        log.info(
                "Voice session {} recapped ({}) as action {}",
                ended.getVoiceSessionId(),
                byModel.isPresent() ? "model" : "extractive",
                actionId);
    }

    /**
     * The call's final transcripts and tool calls, read back from its partition up to its end.
     *
     * @return the call's workspace, as its start said (null: not seen, or from before workspaces)
     */
    private String readCall(
            ConsumerRecord<String, SpecificRecordBase> end,
            VoiceSessionEnded ended,
            List<CallRecap.Line> lines,
            List<String> requests) {
        TopicPartition partition = new TopicPartition(end.topic(), end.partition());
        long from = ended.getOccurredAt()
                .minusMillis(ended.getDurationMs())
                .minusSeconds(60)
                .toEpochMilli();
        EventCodec codec = EventCodec.bundled();
        String workspace = null;
        try (var reader = new KafkaConsumer<>(readerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            reader.assign(List.of(partition));
            OffsetAndTimestamp start =
                    reader.offsetsForTimes(Map.of(partition, from)).get(partition);
            reader.seek(partition, start == null ? end.offset() : Math.min(start.offset(), end.offset()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reader.position(partition) < end.offset() && System.nanoTime() < deadline) {
                for (var r : reader.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.offset()
                            || r.key() == null
                            || !end.key().equals(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                        continue;
                    }
                    switch (decode(codec, r.value())) {
                        case VoiceTranscript t
                        when t.getIsFinal() ->
                            lines.add(new CallRecap.Line(t.getRole() == SpeakerRole.USER, t.getText()));
                        case VoiceToolCalled t -> requests.add(t.getToolName());
                        case VoiceSessionStarted started -> workspace = started.getWorkspaceId();
                        case null, default -> {
                            // responses: nothing the recap needs
                        }
                    }
                }
            }
        }
        return workspace;
    }

    private static SpecificRecordBase decode(EventCodec codec, byte[] value) {
        try {
            return codec.decode(value);
        } catch (RuntimeException undecodable) {
            return null;
        }
    }
}
