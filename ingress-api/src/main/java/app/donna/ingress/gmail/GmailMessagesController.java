package app.donna.ingress.gmail;

import static app.donna.projections.db.Tables.EMAIL_DRAFTS;
import static app.donna.projections.db.Tables.EMAIL_LOGS;
import static app.donna.projections.db.Tables.GMAIL_MAILBOXES;
import static app.donna.projections.db.Tables.GMAIL_MESSAGES;
import static org.jooq.impl.DSL.row;

import app.donna.events.email.MailboxSyncRequested;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.paging.Cursor;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The inbox: {@code GET /api/gmail/messages} pages through the signed-in user's synced mail, newest first,
 * from the {@code gmail_messages} read model; {@code GET /api/gmail/logs} through the outcomes of their
 * email jobs ({@code email_logs}); {@code GET /api/gmail/autopilot-run}, for cron-style callers
 * with the internal secret only, asks for every connected mailbox (or one, {@code ?userId=}) to be synced
 * now, as the original's endpoint of that name did; autopilot then reacts to what the sync finds.
 */
@Validated
@RestController
class GmailMessagesController {

    private static final Logger log = LoggerFactory.getLogger(GmailMessagesController.class);
    private static final int DEFAULT_PAGE = 25;

    /** A message as listed. */
    record Listed(
            String id,
            String threadId,
            String from,
            String to,
            String subject,
            String snippet,
            Instant receivedAt,
            List<String> labelIds,
            boolean automated) {}

    record Messages(List<Listed> messages, String nextCursor) {}

    /** A reply drafted in the mailbox (by the model, or without it: {@code degradedReason} says why). */
    record Draft(
            String draftId,
            UUID jobId,
            String messageId,
            String threadId,
            String to,
            String subject,
            String body,
            String model,
            boolean degraded,
            String degradedReason,
            Instant createdAt,
            boolean sent) {}

    record Drafts(List<Draft> drafts) {}

    private final DSLContext db;
    private final AcknowledgedPublisher publisher;
    private final GmailSettings settings;
    private final Clock clock;

    GmailMessagesController(DSLContext db, AcknowledgedPublisher publisher, GmailSettings settings, Clock clock) {
        this.db = db;
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "200", description = "The mailbox's messages, a page at a time")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/messages")
    ResponseEntity<?> messages(
            @AuthenticationPrincipal Jwt token,
            @RequestParam(required = false) @Min(1) @Max(100) Integer limit,
            @RequestParam(required = false) @Size(max = 400) String cursor) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        Optional<Cursor.Keyed> before;
        try {
            before = Optional.ofNullable(cursor).map(Cursor.Keyed::parse);
        } catch (IllegalArgumentException e) {
            return Cursor.notOurs();
        }
        int size = limit == null ? DEFAULT_PAGE : limit;
        var query = db.selectFrom(GMAIL_MESSAGES).where(GMAIL_MESSAGES.USER_ID.eq(caller.userId()));
        if (before.isPresent()) {
            query = query.and(row(GMAIL_MESSAGES.RECEIVED_AT, GMAIL_MESSAGES.GMAIL_MESSAGE_ID)
                    .lt(before.get().at(), before.get().key()));
        }
        List<Listed> page = query.orderBy(GMAIL_MESSAGES.RECEIVED_AT.desc(), GMAIL_MESSAGES.GMAIL_MESSAGE_ID.desc())
                .limit(size + 1)
                .fetch(r -> new Listed(
                        r.getGmailMessageId(),
                        r.getThreadId(),
                        r.getFromHeader(),
                        r.getToAddresses(),
                        r.getSubject(),
                        r.getSnippet(),
                        r.getReceivedAt(),
                        r.getLabelIds().isBlank()
                                ? List.of()
                                : Arrays.asList(r.getLabelIds().split(" ")),
                        r.getAutomated()));
        String next = null;
        if (page.size() > size) {
            page = page.subList(0, size);
            Listed last = page.getLast();
            next = new Cursor.Keyed(last.receivedAt(), last.id()).toString();
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(new Messages(page, next));
    }

    @ApiResponse(responseCode = "200", description = "The caller's drafted replies, newest first")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/drafts")
    ResponseEntity<?> drafts(
            @AuthenticationPrincipal Jwt token, @RequestParam(required = false) @Min(1) @Max(100) Integer limit) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        var rows = db.selectFrom(EMAIL_DRAFTS)
                .where(EMAIL_DRAFTS.USER_ID.eq(caller.userId()))
                .orderBy(EMAIL_DRAFTS.CREATED_AT.desc(), EMAIL_DRAFTS.JOB_ID)
                .limit(limit == null ? DEFAULT_PAGE : limit)
                .fetch();
        // approved and sent: the approval's job (derived from the draft) has a sent outcome in the log
        List<UUID> approvals = rows.stream()
                .filter(r -> r.getGmailDraftId() != null)
                .map(r -> GmailDraftsController.approvalJob(caller.userId(), r.getGmailDraftId()))
                .toList();
        Set<UUID> sent = approvals.isEmpty()
                ? Set.of()
                : Set.copyOf(db.select(EMAIL_LOGS.JOB_ID)
                        .from(EMAIL_LOGS)
                        .where(EMAIL_LOGS.USER_ID.eq(caller.userId()))
                        .and(EMAIL_LOGS.JOB_ID.in(approvals))
                        .and(EMAIL_LOGS.OUTCOME.eq("sent"))
                        .fetch(EMAIL_LOGS.JOB_ID));
        List<Draft> drafts = rows.map(r -> new Draft(
                r.getGmailDraftId(),
                r.getJobId(),
                r.getGmailMessageId(),
                r.getThreadId(),
                r.getReplyTo(),
                r.getSubject(),
                r.getBody(),
                r.getModel(),
                r.getDegraded(),
                r.getDegradedReason(),
                r.getCreatedAt(),
                r.getGmailDraftId() != null
                        && sent.contains(GmailDraftsController.approvalJob(caller.userId(), r.getGmailDraftId()))));
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(new Drafts(drafts));
    }

    /** An attempt to send (or another email job's outcome), as logged. */
    record Logged(
            UUID jobId,
            String outcome,
            Instant at,
            String to,
            String subject,
            String gmailMessageId,
            String threadId,
            String origin,
            String reason,
            Boolean retryable,
            UUID eventId) {}

    record Logs(List<Logged> logs, String nextCursor) {}

    /** {@code GET /api/gmail/logs}: every email job's outcome, each attempt of a send included, newest first. */
    @ApiResponse(responseCode = "200", description = "The mailbox's email log, a page at a time")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/logs")
    ResponseEntity<?> logs(
            @AuthenticationPrincipal Jwt token,
            @RequestParam(required = false) @Min(1) @Max(100) Integer limit,
            @RequestParam(required = false) @Size(max = 200) String cursor) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        Optional<Cursor> before;
        try {
            before = Optional.ofNullable(cursor).map(Cursor::parse);
        } catch (IllegalArgumentException e) {
            return Cursor.notOurs();
        }
        int size = limit == null ? DEFAULT_PAGE : limit;
        var query = db.selectFrom(EMAIL_LOGS).where(EMAIL_LOGS.USER_ID.eq(caller.userId()));
        if (before.isPresent()) {
            query = query.and(row(EMAIL_LOGS.AT, EMAIL_LOGS.EVENT_ID)
                    .lt(before.get().at(), before.get().id()));
        }
        List<Logged> page = query.orderBy(EMAIL_LOGS.AT.desc(), EMAIL_LOGS.EVENT_ID.desc())
                .limit(size + 1)
                .fetch(r -> new Logged(
                        r.getJobId(),
                        r.getOutcome(),
                        r.getAt(),
                        r.getRecipients(),
                        r.getSubject(),
                        r.getGmailMessageId(),
                        r.getThreadId(),
                        r.getOrigin(),
                        r.getReason(),
                        r.getRetryable(),
                        r.getEventId()));
        String next = null;
        if (page.size() > size) {
            page = page.subList(0, size);
            next = new Cursor(page.getLast().at(), page.getLast().eventId()).toString();
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(new Logs(page, next));
    }

    @GetMapping("/api/gmail/autopilot-run")
    ResponseEntity<?> syncNow(@RequestParam(required = false) @Size(max = 255) String userId) {
        var connected =
                db.select(GMAIL_MAILBOXES.USER_ID).from(GMAIL_MAILBOXES).where(GMAIL_MAILBOXES.STATUS.eq("connected"));
        List<String> users = (userId == null ? connected : connected.and(GMAIL_MAILBOXES.USER_ID.eq(userId)))
                .fetch(GMAIL_MAILBOXES.USER_ID);
        int asked = 0;
        for (String user : users) {
            MailboxSyncRequested job = MailboxSyncRequested.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                    .setUserId(user)
                    .setJobId(UUID.randomUUID())
                    .build();
            if (!publisher.publish(Topics.EMAIL_JOBS.record(user, job), settings.publishTimeout())) {
                log.warn(
                        "Sync-now handed on for {} of {} mailboxes before the broker stopped answering",
                        asked,
                        users.size());
                return AcknowledgedPublisher.notAcknowledged("Only " + asked + " of " + users.size()
                        + " mailboxes were asked to sync. Try again in a moment.");
            }
            asked++;
        }
        log.info("Sync now asked of {} connected mailbox(es)", asked);
        return ResponseEntity.accepted().body(Map.of("mailboxes", asked));
    }
}
