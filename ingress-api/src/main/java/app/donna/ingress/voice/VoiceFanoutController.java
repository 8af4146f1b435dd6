package app.donna.ingress.voice;

import app.donna.events.actions.ActionRequested;
import app.donna.events.common.EventSource;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.workspace.WorkspaceIdentity;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/voice/fanout}, for systems with the internal secret only ({@code donna.security.internal-paths}):
 * hands something a caller asked for to the business's integrations as {@code ActionRequested} on
 * {@code donna.actions}, from where chat-processor delivers it to the webhook configured for its kind (the
 * original system's marketing, sales and secretary hand-offs). With an {@code idempotencyKey} a retry is the
 * same action. The business is {@code workspaceId}'s (none: the default workspace's).
 */
@RestController
class VoiceFanoutController {

    record Fanout(
            @NotBlank @Size(max = 255) String userId,

            @NotBlank @Size(max = 128) @Pattern(regexp = "[a-z0-9_]+\\.[a-z0-9_.]+")
            String kind,

            @NotNull Map<String, Object> payload,

            @Size(max = 255) String sourceId,

            @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9_.:-]*")
            String idempotencyKey,

            @Pattern(regexp = WorkspaceIdentity.ID) String workspaceId) {}

    record Accepted(UUID actionId) {}

    private final AcknowledgedPublisher publisher;
    private final VoiceSettings settings;
    private final Clock clock;
    private final WorkspaceIdentity identity;
    private final JsonMapper json = JsonMapper.builder().build();

    VoiceFanoutController(
            AcknowledgedPublisher publisher, VoiceSettings settings, Clock clock, WorkspaceIdentity identity) {
        this.identity = identity;
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @PostMapping("/api/voice/fanout")
    ResponseEntity<?> fanout(@Valid @RequestBody Fanout fanout) {
        UUID actionId =
                fanout.idempotencyKey() == null || fanout.idempotencyKey().isEmpty()
                        ? UUID.randomUUID()
                        : DerivedIds.of("fanout", fanout.userId() + "/" + fanout.idempotencyKey());
        String integration = fanout.kind().substring(0, fanout.kind().indexOf('.'));
        ActionRequested action = ActionRequested.newBuilder()
                .setEventId(DerivedIds.of("action-requested", actionId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(fanout.userId())
                .setActionId(actionId)
                .setKind(fanout.kind())
                .setIntegration(integration)
                .setPayloadJson(json.writeValueAsString(fanout.payload()))
                .setSource(EventSource.VOICE)
                .setSourceId(fanout.sourceId())
                .setWorkspaceId(fanout.workspaceId() == null ? identity.defaultId() : fanout.workspaceId())
                .build();
        if (!publisher.publish(Topics.ACTIONS.record(fanout.userId(), action), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The action may or may not have been recorded; retry with the same idempotencyKey.");
        }
        return ResponseEntity.accepted().body(new Accepted(actionId));
    }
}
