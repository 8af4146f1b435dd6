package app.donna.ingress.gmail;

import app.donna.events.common.SendOrigin;
import app.donna.events.email.SendEmailRequested;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.web.Problems;
import app.donna.schemas.DerivedIds;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/gmail/send}: a signed-in user sends a new mail or reply, or an existing draft, from their
 * connected mailbox. The request becomes {@code SendEmailRequested} on {@code donna.email.jobs}, and
 * email-processor sends it at most once (its send ledger); the outcome is {@code EmailSent} or
 * {@code EmailFailed}, in {@code email_logs}. A line break or control character in a header field is
 * refused here already, as email-processor would. With an {@code idempotencyKey} a retried request is the
 * same job, sent once.
 */
@RestController
class GmailSendController {

    private static final Logger log = LoggerFactory.getLogger(GmailSendController.class);

    /** No line break or other control character: what could add a header. */
    static final String HEADER_SAFE = "[^\\p{Cntrl}]*";

    record SendMail(
            @Size(max = 50) List<@NotNull @Size(min = 3, max = 320) @Pattern(regexp = HEADER_SAFE) String> to,
            @Size(max = 50) List<@NotNull @Size(min = 3, max = 320) @Pattern(regexp = HEADER_SAFE) String> cc,
            @Size(max = 50) List<@NotNull @Size(min = 3, max = 320) @Pattern(regexp = HEADER_SAFE) String> bcc,
            @Size(max = 998) @Pattern(regexp = HEADER_SAFE) String subject,

            @Size(max = 50_000) @Pattern(regexp = "[^\\x00]*")
            String body,

            @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]*")
            String threadId,

            @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]*")
            String inReplyTo,

            @Size(max = 255) @Pattern(regexp = "[A-Za-z0-9_-]*")
            String draftId,

            @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9_.:-]*")
            String idempotencyKey) {}

    private final AcknowledgedPublisher publisher;
    private final GmailSettings settings;
    private final Clock clock;

    GmailSendController(AcknowledgedPublisher publisher, GmailSettings settings, Clock clock) {
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "202", description = "The mail is being sent")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @PostMapping("/api/gmail/send")
    ResponseEntity<?> send(@AuthenticationPrincipal Jwt token, @Valid @RequestBody SendMail mail) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        boolean draft = mail.draftId() != null && !mail.draftId().isEmpty();
        List<Problems.FieldProblem> problems = new java.util.ArrayList<>();
        if (!draft && (mail.to() == null || mail.to().isEmpty())) {
            problems.add(new Problems.FieldProblem("to", "needs at least one recipient"));
        }
        if (!draft && mail.subject() == null) {
            problems.add(new Problems.FieldProblem("subject", "is required"));
        }
        if (!draft && (mail.body() == null || mail.body().isBlank())) {
            problems.add(new Problems.FieldProblem("body", "is required"));
        }
        if (!problems.isEmpty()) {
            return Problems.response(Problems.invalid("The mail is not complete.", problems));
        }
        String key = mail.idempotencyKey();
        UUID jobId = key == null || key.isEmpty()
                ? UUID.randomUUID()
                : DerivedIds.of("gmail-send", caller.userId() + "/" + key);
        SendEmailRequested job = SendEmailRequested.newBuilder()
                .setEventId(DerivedIds.of("send-email-requested", jobId))
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(caller.userId())
                .setJobId(jobId)
                .setTo(orEmpty(mail.to()))
                .setCc(orEmpty(mail.cc()))
                .setBcc(orEmpty(mail.bcc()))
                .setSubject(mail.subject() == null ? "" : mail.subject())
                .setBodyText(mail.body() == null ? "" : mail.body())
                .setThreadId(blankToNull(mail.threadId()))
                .setInReplyToGmailMessageId(blankToNull(mail.inReplyTo()))
                .setGmailDraftId(draft ? mail.draftId() : null)
                .setOrigin(SendOrigin.USER)
                .build();
        if (!publisher.publish(Topics.EMAIL_JOBS.record(caller.userId(), job), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The mail may or may not have been handed on; retry with the same idempotencyKey.");
        }
        log.info("Send job {} of {} handed to email-processor{}", jobId, caller.userId(), draft ? " (a draft)" : "");
        return ResponseEntity.accepted().body(Map.of("jobId", jobId.toString()));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static String blankToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
