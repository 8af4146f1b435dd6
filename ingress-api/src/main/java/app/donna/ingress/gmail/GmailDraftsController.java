package app.donna.ingress.gmail;

import app.donna.events.common.SendOrigin;
import app.donna.events.email.DraftReplyRequested;
import app.donna.events.email.SendEmailRequested;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Drafts: {@code POST /api/gmail/draft-reply} asks email-processor to draft a reply to a mail in the
 * owner's voice ({@code DraftReplyRequested}; the outcome is {@code DraftCreated} with the Gmail draft's
 * id, or {@code EmailFailed}); {@code POST /api/gmail/drafts/{id}/approve} sends a draft as it stands,
 * once however often it is approved ({@code SendEmailRequested} with a job id derived from the draft).
 */
@Validated
@RestController
class GmailDraftsController {

    private static final Logger log = LoggerFactory.getLogger(GmailDraftsController.class);

    record DraftReply(
            @NotBlank @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]+")
            String messageId,

            @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]*")
            String threadId,

            @Size(max = 2_000) @Pattern(regexp = "[^\\x00]*")
            String instructions,

            @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9_.:-]*")
            String idempotencyKey) {}

    private final AcknowledgedPublisher publisher;
    private final GmailSettings settings;
    private final Clock clock;

    GmailDraftsController(AcknowledgedPublisher publisher, GmailSettings settings, Clock clock) {
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "202", description = "The draft is being made")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @PostMapping("/api/gmail/draft-reply")
    ResponseEntity<?> draftReply(@AuthenticationPrincipal Jwt token, @Valid @RequestBody DraftReply request) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        String key = request.idempotencyKey();
        UUID jobId = key == null || key.isEmpty()
                ? UUID.randomUUID()
                : DerivedIds.of("gmail-draft", caller.userId() + "/" + key);
        DraftReplyRequested job = DraftReplyRequested.newBuilder()
                .setEventId(DerivedIds.of("draft-reply-requested", jobId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(caller.userId())
                .setJobId(jobId)
                .setGmailMessageId(request.messageId())
                .setThreadId(request.threadId() == null || request.threadId().isEmpty() ? null : request.threadId())
                .setInstructions(
                        request.instructions() == null || request.instructions().isBlank()
                                ? null
                                : request.instructions())
                .setOrigin(SendOrigin.USER)
                .setSendWhenDrafted(false)
                .build();
        return handOn(caller, jobId, job, "Draft");
    }

    @ApiResponse(responseCode = "202", description = "The draft is being sent (once, however often approved)")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @PostMapping("/api/gmail/drafts/{draftId}/approve")
    ResponseEntity<?> approve(
            @AuthenticationPrincipal Jwt token,
            @PathVariable @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]+") String draftId) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        UUID jobId = approvalJob(caller.userId(), draftId);
        SendEmailRequested job = SendEmailRequested.newBuilder()
                .setEventId(DerivedIds.of("send-email-requested", jobId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(caller.userId())
                .setJobId(jobId)
                .setTo(List.of())
                .setSubject("")
                .setBodyText("")
                .setGmailDraftId(draftId)
                .setOrigin(SendOrigin.USER)
                .build();
        return handOn(caller, jobId, job, "Approved draft");
    }

    /** The job that sends {@code draftId} when its user approves it: the same however often approved. */
    static UUID approvalJob(String userId, String draftId) {
        return DerivedIds.of("gmail-approve", userId + "/" + draftId);
    }

    private ResponseEntity<?> handOn(Caller caller, UUID jobId, SpecificRecordBase job, String what) {
        if (!publisher.publish(Topics.EMAIL_JOBS.record(caller.userId(), job), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The request may or may not have been handed on; retry it (an approval is sent once).");
        }
        log.info("{} job {} of {} handed to email-processor", what, jobId, caller.userId());
        return ResponseEntity.accepted().body(Map.of("jobId", jobId.toString()));
    }
}
