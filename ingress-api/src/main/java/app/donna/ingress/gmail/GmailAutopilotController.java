package app.donna.ingress.gmail;

import static app.donna.projections.db.Tables.AUTOPILOT_DECISIONS;
import static app.donna.projections.db.Tables.AUTOPILOT_SETTINGS;
import static org.jooq.impl.DSL.row;

import app.donna.events.settings.AutopilotMode;
import app.donna.events.settings.AutopilotSettings;
import app.donna.ingress.chat.Caller;
import app.donna.ingress.paging.Cursor;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.web.Problems;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The email autopilot's settings and decisions. {@code PUT /api/gmail/autopilot} publishes the user's
 * settings to the compacted {@code donna.settings.autopilot} (email-processor applies them to mail it
 * decides from then on); {@code GET /api/gmail/autopilot} shows those in force (the read model; off until
 * set); {@code GET /api/gmail/autopilot/decisions} pages through what it decided on each mail, and why.
 */
@Validated
@RestController
class GmailAutopilotController {

    private static final Logger log = LoggerFactory.getLogger(GmailAutopilotController.class);
    private static final int DEFAULT_PAGE = 25;
    private static final String HH_MM = "([01]\\d|2[0-3]):[0-5]\\d";
    private static final String SENDER = "[^\\s@]+@[^\\s@]+\\.[^\\s@]+|@[^\\s@]+\\.[^\\s@]+";

    record QuietHours(
            @NotNull @Pattern(regexp = HH_MM) String start,
            @NotNull @Pattern(regexp = HH_MM) String end) {}

    /** The settings, as the API shows and takes them. */
    record Settings(
            @NotNull @Pattern(regexp = "off|draft-only|auto-send")
            String mode,

            @Min(0) @Max(500) int maxRepliesPerDay,
            @Min(0) @Max(50) int maxRepliesPerSender,
            @Min(0) @Max(20) int maxRepliesPerThread,
            @Valid QuietHours quietHours,
            @NotNull @Size(max = 64) String timeZone,
            @Size(max = 200) List<@NotNull @Size(max = 320) @Pattern(regexp = SENDER) String> allowedSenders,
            @Size(max = 200) List<@NotNull @Size(max = 320) @Pattern(regexp = SENDER) String> blockedSenders,
            @Size(max = 500) @Pattern(regexp = "[^\\x00]*") String signature) {}

    record Decision(
            String messageId, String decision, List<String> reasons, UUID jobId, Instant decidedAt, UUID eventId) {}

    record Decisions(List<Decision> decisions, String nextCursor) {}

    static final Settings OFF = new Settings("off", 20, 3, 2, null, "UTC", List.of(), List.of(), null);

    private final DSLContext db;
    private final AcknowledgedPublisher publisher;
    private final GmailSettings settings;
    private final Clock clock;

    GmailAutopilotController(DSLContext db, AcknowledgedPublisher publisher, GmailSettings settings, Clock clock) {
        this.db = db;
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "200", description = "The autopilot's settings")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/autopilot")
    ResponseEntity<?> get(@AuthenticationPrincipal Jwt token) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        Settings current = db.selectFrom(AUTOPILOT_SETTINGS)
                .where(AUTOPILOT_SETTINGS.USER_ID.eq(caller.userId()))
                .fetchOptional(r -> new Settings(
                        r.getMode().toLowerCase(Locale.ROOT).replace('_', '-'),
                        r.getMaxRepliesPerDay(),
                        r.getMaxRepliesPerSender(),
                        r.getMaxRepliesPerThread(),
                        r.getQuietHoursStart() == null
                                ? null
                                : new QuietHours(r.getQuietHoursStart(), r.getQuietHoursEnd()),
                        r.getTimeZone(),
                        lines(r.getAllowedSenders()),
                        lines(r.getBlockedSenders()),
                        r.getSignature()))
                .orElse(OFF);
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(current);
    }

    @ApiResponse(responseCode = "200", description = "The settings are saved")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @PutMapping("/api/gmail/autopilot")
    ResponseEntity<?> put(@AuthenticationPrincipal Jwt token, @Valid @RequestBody Settings wanted) {
        Caller caller = Caller.of(token);
        if (caller.anonymous()) {
            return GmailConnectionController.needsAccount();
        }
        try {
            ZoneId.of(wanted.timeZone());
        } catch (RuntimeException e) {
            return Problems.response(Problems.invalid(
                    "The time zone is not one this API knows.",
                    List.of(new Problems.FieldProblem("timeZone", "is not an IANA time zone such as Europe/Paris"))));
        }
        AutopilotMode mode =
                AutopilotMode.valueOf(wanted.mode().toUpperCase(Locale.ROOT).replace('-', '_'));
        AutopilotSettings record = AutopilotSettings.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(caller.userId())
                .setEnabled(mode != AutopilotMode.OFF)
                .setMode(mode)
                .setMaxRepliesPerDay(wanted.maxRepliesPerDay())
                .setMaxRepliesPerSender(wanted.maxRepliesPerSender())
                .setMaxRepliesPerThread(wanted.maxRepliesPerThread())
                .setQuietHoursStart(
                        wanted.quietHours() == null ? null : wanted.quietHours().start())
                .setQuietHoursEnd(
                        wanted.quietHours() == null ? null : wanted.quietHours().end())
                .setTimeZone(wanted.timeZone())
                .setAllowedSenders(orEmpty(wanted.allowedSenders()))
                .setBlockedSenders(orEmpty(wanted.blockedSenders()))
                .setSignature(wanted.signature())
                .setUpdatedBy(caller.userId())
                .build();
        if (!publisher.publish(Topics.AUTOPILOT_SETTINGS.record(caller.userId(), record), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The settings may or may not have been saved; send them again.");
        }
        log.info("Autopilot of {} set to {}", caller.userId(), mode);
        return ResponseEntity.accepted().body(wanted);
    }

    @ApiResponse(responseCode = "200", description = "The autopilot's decisions, newest first")
    @ApiResponse(responseCode = "403", description = "A visitor's token: this needs a signed-in user")
    @GetMapping("/api/gmail/autopilot/decisions")
    ResponseEntity<?> decisions(
            @AuthenticationPrincipal Jwt token,
            @RequestParam(required = false) @Size(max = 255) String messageId,
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
        var query = db.selectFrom(AUTOPILOT_DECISIONS).where(AUTOPILOT_DECISIONS.USER_ID.eq(caller.userId()));
        if (messageId != null) {
            query = query.and(AUTOPILOT_DECISIONS.GMAIL_MESSAGE_ID.eq(messageId));
        }
        if (before.isPresent()) {
            query = query.and(row(AUTOPILOT_DECISIONS.DECIDED_AT, AUTOPILOT_DECISIONS.EVENT_ID)
                    .lt(before.get().at(), before.get().id()));
        }
        List<Decision> page = query.orderBy(AUTOPILOT_DECISIONS.DECIDED_AT.desc(), AUTOPILOT_DECISIONS.EVENT_ID.desc())
                .limit(size + 1)
                .fetch(r -> new Decision(
                        r.getGmailMessageId(),
                        r.getDecision().toLowerCase(Locale.ROOT),
                        lines(r.getReasons()),
                        r.getJobId(),
                        r.getDecidedAt(),
                        r.getEventId()));
        String next = null;
        if (page.size() > size) {
            page = page.subList(0, size);
            next = new Cursor(page.getLast().decidedAt(), page.getLast().eventId()).toString();
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(new Decisions(page, next));
    }

    private static List<String> lines(String text) {
        return text == null || text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
