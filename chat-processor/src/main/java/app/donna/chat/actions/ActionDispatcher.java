package app.donna.chat.actions;

import app.donna.chat.webhook.DeliveryPlan;
import app.donna.chat.webhook.WebhookSignature;
import app.donna.chat.webhook.WebhookTargets;
import app.donna.events.actions.ActionDelivered;
import app.donna.events.actions.ActionFailed;
import app.donna.events.actions.ActionRequested;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.EventCodec;
import app.donna.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers every {@code ActionRequested} on {@code donna.actions} to the webhook configured for it: a JSON
 * body signed with HMAC-SHA256 and a timestamp ({@link WebhookSignature}), {@code Idempotency-Key} equal
 * to the action id, a timeout per attempt, and retries with growing waits ({@link DeliveryPlan}). Each
 * failed attempt is recorded as {@code ActionFailed} (retryable while another follows); a 2xx as
 * {@code ActionDelivered}; after the last attempt the request goes to {@code donna.actions.DLT} too.
 * Webhooks must not point inside the network ({@link WebhookTargets}) and redirects are not followed.
 *
 * <p>A receiver that answered 2xx never gets the action again: the dispatcher keeps the ids of delivered
 * actions, rebuilt from {@code ActionDelivered} on the topic whenever it is given a partition (so also
 * after a crash between the delivery and the offset commit, and for a duplicate request published later).
 * A crash in the instant between the receiver's 2xx and {@code ActionDelivered} reaching the broker can
 * still repeat a delivery; its {@code Idempotency-Key} lets the receiver tell.
 *
 * <p>Each outcome is recorded before the dispatcher goes on. While the broker is away the dispatcher waits
 * for it on the listener's thread, sending the outcome again whenever the producer gives it up: nothing
 * else could be read meanwhile anyway, and handing the failure to the error
 * handler would call the webhook again (its retries begin with the delivery) or dead-letter an action
 * that was delivered. A stop while it waits leaves the offset uncommitted: the next owner finds no
 * {@code ActionDelivered} and delivers again, with the same {@code Idempotency-Key}.
 *
 * <p>Retries wait on the listener's thread, so one failing webhook holds up the actions behind it in its
 * partition for at most attempts × (timeout + waits): about 41 s with the defaults, within the consumer's
 * poll interval.
 */
@Component
class ActionDispatcher implements ConsumerSeekAware {

    private static final Logger log = LoggerFactory.getLogger(ActionDispatcher.class);
    static final String GROUP = "chat-processor-actions";
    static final String LISTENER = "action-dispatcher";

    private final ActionSettings settings;
    private final KafkaTemplate<String, SpecificRecordBase> kafka;
    private final DeadLetterPublishingRecoverer deadLetters;
    private final Map<String, Object> consumerConfig;
    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http;
    private final DeliveryPlan plan;
    private final byte[] secret;
    private final Clock clock;
    private final MeterRegistry meters;
    private final KafkaListenerEndpointRegistry listeners;
    /** Ids of delivered actions (a few dozen bytes each). */
    private final Set<UUID> delivered = ConcurrentHashMap.newKeySet();

    ActionDispatcher(
            ActionSettings settings,
            KafkaTemplate<String, SpecificRecordBase> kafka,
            DeadLetterPublishingRecoverer deadLetters,
            KafkaClientProperties clients,
            Clock clock,
            MeterRegistry meters,
            KafkaListenerEndpointRegistry listeners) {
        this.settings = settings;
        this.kafka = kafka;
        this.deadLetters = deadLetters;
        this.consumerConfig = KafkaClientProperties.assigningReader(clients.consumer());
        this.clock = clock;
        this.meters = meters;
        this.listeners = listeners;
        this.plan = new DeliveryPlan(settings.attempts(), settings.firstRetryAfter(), settings.retryMultiplier());
        this.secret = settings.signingSecret().getBytes(StandardCharsets.UTF_8);
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Before reading a partition: learn which of its actions were delivered already. */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        EventCodec codec = EventCodec.bundled();
        try (var reader =
                new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>(assignments.keySet());
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int before = delivered.size();
            while (partitions.stream().anyMatch(p -> reader.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                for (var record : reader.poll(Duration.ofMillis(200))) {
                    try {
                        if (codec.decode(record.value()) instanceof ActionDelivered d) {
                            delivered.add(d.getActionId());
                        }
                    } catch (RuntimeException undecodable) {
                        // the listener dead-letters it when it gets there
                    }
                }
            }
            log.info(
                    "Action dispatcher: {} delivered actions known after reading {}",
                    delivered.size() - before,
                    partitions);
        }
    }

    /**
     * Starts reading once the service is up, and only when a webhook is configured: until then actions
     * wait on the topic (the group starts from the earliest), none is marked failed for want of a webhook.
     */
    @EventListener(ApplicationReadyEvent.class)
    void startWhenConfigured() {
        if (settings.webhooks().isEmpty()) {
            log.info(
                    "No webhooks configured (donna.actions.webhooks): actions wait on {} until one is",
                    Topics.ACTIONS.name());
            return;
        }
        listeners.getListenerContainer(LISTENER).start();
    }

    @KafkaListener(
            id = LISTENER,
            topics = "donna.actions",
            groupId = "${donna.actions.group-id:" + GROUP + "}",
            autoStartup = "false")
    void onAction(ConsumerRecord<String, SpecificRecordBase> record) {
        switch (record.value()) {
            case ActionDelivered d -> delivered.add(d.getActionId());
            case ActionRequested action -> dispatch(record, action);
            default -> {
                // failures are this dispatcher's own record
            }
        }
    }

    private void dispatch(ConsumerRecord<String, SpecificRecordBase> record, ActionRequested action) {
        if (delivered.contains(action.getActionId())) {
            log.info("Action {} ({}) was delivered already; not again", action.getActionId(), action.getKind());
            return;
        }
        Optional<URI> webhook = settings.webhookFor(action.getKind(), action.getIntegration());
        if (webhook.isEmpty()) {
            log.warn(
                    "No webhook is configured for action kind {} or integration {}; action {} is not delivered",
                    action.getKind(),
                    action.getIntegration(),
                    action.getActionId());
            String error = "no webhook is configured for " + action.getKind() + " or " + action.getIntegration();
            failed(action, 0, error, false);
            deadLetters.accept(record, new ActionNotDelivered(error));
            return;
        }
        String body = body(action);
        for (int attempt = 1; ; attempt++) {
            String error;
            boolean retry;
            Optional<String> refused = refusal(webhook.get());
            if (refused.isPresent()) {
                error = refused.get();
                retry = false;
            } else {
                try {
                    HttpResponse<Void> response = http.send(
                            request(webhook.get(), action, body, attempt), HttpResponse.BodyHandlers.discarding());
                    DeliveryPlan.Verdict verdict = DeliveryPlan.verdict(response.statusCode());
                    if (verdict == DeliveryPlan.Verdict.DELIVERED) {
                        delivered(action, attempt, response.statusCode());
                        return;
                    }
                    error = "the webhook answered " + response.statusCode();
                    retry = verdict == DeliveryPlan.Verdict.RETRY;
                } catch (java.net.http.HttpTimeoutException e) {
                    error = "the webhook did not answer within " + settings.timeout();
                    retry = true;
                } catch (IOException e) {
                    error = "the webhook could not be reached: " + e.getMessage();
                    retry = true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while delivering action " + action.getActionId(), e);
                }
            }
            boolean another = retry && plan.anotherAfter(attempt);
            failed(action, attempt, error, another);
            if (!another) {
                log.error(
                        "Action {} ({}) was not delivered to {} after {} attempt(s): {}",
                        action.getActionId(),
                        action.getKind(),
                        webhook.get().getHost(),
                        attempt,
                        error);
                meters.counter("donna.actions.given.up", "kind", action.getKind())
                        .increment();
                deadLetters.accept(record, new ActionNotDelivered(error));
                return;
            }
            log.warn(
                    "Action {} attempt {} failed ({}); trying again in {}",
                    action.getActionId(),
                    attempt,
                    error,
                    plan.waitAfter(attempt));
            sleep(plan.waitAfter(attempt));
        }
    }

    private Optional<String> refusal(URI url) {
        try {
            List<InetAddress> addresses =
                    url.getHost() == null ? List.of() : Arrays.asList(InetAddress.getAllByName(url.getHost()));
            return WebhookTargets.refusal(url, addresses, settings.allowedAddresses());
        } catch (UnknownHostException e) {
            return Optional.of("the webhook's host " + url.getHost() + " is unknown");
        }
    }

    private HttpRequest request(URI url, ActionRequested action, String body, int attempt) {
        long now = clock.instant().getEpochSecond();
        return HttpRequest.newBuilder(url)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Donna-Webhooks/1")
                .header("Idempotency-Key", action.getActionId().toString())
                .header("Donna-Attempt", Integer.toString(attempt))
                .header(WebhookSignature.HEADER, WebhookSignature.sign(secret, now, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** The delivery: what was asked, by whom, through which channel, and the details as the caller gave them. */
    private String body(ActionRequested action) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", action.getActionId().toString());
        body.put("type", action.getKind());
        body.put("integration", action.getIntegration());
        body.put("userId", action.getUserId());
        body.put("source", action.getSource().name());
        body.put("sourceId", action.getSourceId());
        body.put("occurredAt", action.getOccurredAt().toString());
        body.put("payload", json.readTree(action.getPayloadJson()));
        return json.writeValueAsString(body);
    }

    private void delivered(ActionRequested action, int attempt, int status) {
        publish(
                action,
                ActionDelivered.newBuilder()
                        .setEventId(DerivedIds.of("action-delivered", action.getActionId()))
                        .setOccurredAt(now())
                        .setUserId(action.getUserId())
                        .setActionId(action.getActionId())
                        .setIntegration(action.getIntegration())
                        .setAttempt(attempt)
                        .setResponseStatus(status)
                        .build());
        delivered.add(action.getActionId());
        meters.counter("donna.actions.delivered", "kind", action.getKind()).increment();
        log.info(
                "Action {} ({}) delivered on attempt {} ({})", action.getActionId(), action.getKind(), attempt, status);
    }

    private void failed(ActionRequested action, int attempt, String error, boolean retryable) {
        publish(
                action,
                ActionFailed.newBuilder()
                        .setEventId(DerivedIds.of("action-failed", action.getActionId() + "/" + attempt))
                        .setOccurredAt(now())
                        .setUserId(action.getUserId())
                        .setActionId(action.getActionId())
                        .setIntegration(action.getIntegration())
                        .setAttempt(attempt)
                        .setError(error)
                        .setRetryable(retryable)
                        .build());
    }

    /**
     * Records an outcome before the request's offset is committed, waiting while the broker is away (see
     * the class comment): for the same record as long as the producer keeps it (its
     * {@code delivery.timeout.ms}), then for a new one. Only a stop (an interrupt) gives up, and then the
     * request is read again.
     */
    private void publish(ActionRequested action, SpecificRecordBase outcome) {
        String what = outcome.getSchema().getName() + " of action " + action.getActionId();
        Duration pause = RECORD_RETRY_FIRST;
        CompletableFuture<?> sending = send(action, outcome);
        for (long waitedSeconds = 0; ; ) {
            try {
                sending.get(STILL_WAITING.toMillis(), TimeUnit.MILLISECONDS);
                if (waitedSeconds > 0) {
                    log.info("The {} is recorded after {} s", what, waitedSeconds);
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recording the " + what, e);
            } catch (TimeoutException stillWithTheProducer) {
                waitedSeconds += STILL_WAITING.toSeconds();
                log.warn("The {} is not recorded yet after {} s: the broker may be away", what, waitedSeconds);
            } catch (ExecutionException givenUp) {
                meters.counter("donna.actions.record.retries").increment();
                log.warn("The {} was not recorded ({}); sending it again in {}", what, givenUp.getCause(), pause);
                sleep(pause);
                waitedSeconds += pause.toSeconds();
                pause = pause.multipliedBy(2).compareTo(RECORD_RETRY_MAX) > 0
                        ? RECORD_RETRY_MAX
                        : pause.multipliedBy(2);
                sending = send(action, outcome);
            }
        }
    }

    /** Sends an outcome; a send refused at once (no metadata within {@code max.block.ms}) is a failed send. */
    private CompletableFuture<?> send(ActionRequested action, SpecificRecordBase outcome) {
        try {
            return kafka.send(Topics.ACTIONS.record(action.getUserId(), outcome));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** How often a wait for the broker to take an outcome is logged. */
    private static final Duration STILL_WAITING = Duration.ofSeconds(10);

    private static final Duration RECORD_RETRY_FIRST = Duration.ofSeconds(1);
    private static final Duration RECORD_RETRY_MAX = Duration.ofSeconds(8);

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a webhook", e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Why an action went to the dead-letter topic. */
    static final class ActionNotDelivered extends RuntimeException {
        ActionNotDelivered(String message) {
            super(message);
        }
    }
}
