package app.donna.ingress.gmail;

import static app.donna.projections.db.Tables.GMAIL_MAILBOXES;

import app.donna.events.email.GmailDisconnectRequested;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.web.Problems;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A signed-in user's Gmail connection: {@code GET /api/gmail/connection} says where it stands (from the
 * {@code gmail_mailboxes} read model); {@code DELETE /api/gmail/connection} has email-processor, which
 * holds the grant, revoke it at Google and forget it ({@code GmailDisconnectRequested}; its outcome is
 * {@code GmailDisconnected}).
 */
@RestController
class GmailConnectionController {

    private static final Logger log = LoggerFactory.getLogger(GmailConnectionController.class);

    private final DSLContext db;
    private final AcknowledgedPublisher publisher;
    private final GmailSettings settings;
    private final Clock clock;

    GmailConnectionController(DSLContext db, AcknowledgedPublisher publisher, GmailSettings settings, Clock clock) {
        this.db = db;
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    /** 403: a visitor has no mailbox to connect, see or disconnect. */
    static ResponseEntity<?> needsAccount() {
        return Problems.response(Problems.of(
                HttpStatus.FORBIDDEN,
                "gmail-needs-account",
                "Sign in to manage Gmail",
                "A mailbox is connected to a signed-in user, not to an anonymous visitor."));
    }

    @ApiResponse(responseCode = "200", description = "The connected mailbox, or that none is")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/connection")
    ResponseEntity<?> connection(@AuthenticationPrincipal Jwt token) {
        if (token == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        }
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return needsAccount();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        var row = db.selectFrom(GMAIL_MAILBOXES)
                .where(GMAIL_MAILBOXES.USER_ID.eq(caller.userId()))
                .fetchOne();
        if (row == null) {
            body.put("status", "not-connected");
        } else {
            body.put("status", row.getStatus());
            body.put("emailAddress", row.getEmailAddress());
            body.put(
                    "scopes",
                    row.getScopes().isBlank() ? new String[0] : row.getScopes().split(" "));
            body.put("connectedAt", row.getConnectedAt());
            body.put("updatedAt", row.getUpdatedAt());
            if (row.getRevoked() != null) {
                body.put("revoked", row.getRevoked());
            }
            if (row.getNote() != null) {
                body.put("note", row.getNote());
            }
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(body);
    }

    @ApiResponse(responseCode = "202", description = "The mailbox is being disconnected")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @DeleteMapping("/api/gmail/connection")
    ResponseEntity<?> disconnect(@AuthenticationPrincipal Jwt token) {
        if (token == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        }
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return needsAccount();
        }
        UUID jobId = UUID.randomUUID();
        GmailDisconnectRequested requested = GmailDisconnectRequested.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(caller.userId())
                .setJobId(jobId)
                .build();
        if (!publisher.publish(Topics.EMAIL_JOBS.record(caller.userId(), requested), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged("The request could not be handed on. Try again in a moment.");
        }
        log.info("Gmail disconnection for {} handed to email-processor as job {}", caller.userId(), jobId);
        return ResponseEntity.accepted().body(Map.of("jobId", jobId.toString()));
    }
}
