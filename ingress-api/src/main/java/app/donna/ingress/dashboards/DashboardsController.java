package app.donna.ingress.dashboards;

import app.donna.events.actions.ActionStatus;
import app.donna.events.actions.ActionStatusChanged;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.ingress.workspace.WorkspaceSettings;
import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.Membership;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The workspace's live dashboards, for its owner and staff: {@code GET /api/dashboards/{name}} (inbox,
 * secretary), {@code GET /api/dashboards/stream} (each dashboard as a server-sent event when the stream
 * opens and again within moments of any change, told by {@link DashboardChanges}), and the secretary's
 * command {@code POST /api/dashboards/secretary/items/{actionId}/status}, which is an
 * {@code ActionStatusChanged} event, projected like every other.
 */
@Validated
@RestController
class DashboardsController implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DashboardsController.class);
    /** A change is sent at most this often per stream: a burst of changes becomes one event per dashboard. */
    private static final Duration COALESCE = Duration.ofMillis(150);
    /** A comment this often keeps proxies from closing a quiet stream, and finds streams gone away. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** A stream lives this long; the browser's EventSource opens it again by itself. */
    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);

    private static final int DEFAULT_ROWS = 50;

    record StatusChange(
            @NotNull @Pattern(regexp = "new|in_progress|done")
            String status) {}

    record Accepted(UUID actionId, String status) {}

    private final Dashboards dashboards;
    private final DashboardChanges changes;
    private final Workspaces workspaces;
    private final AcknowledgedPublisher publisher;
    private final WorkspaceSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dashboard-streams");
        t.setDaemon(true);
        return t;
    });

    DashboardsController(
            Dashboards dashboards,
            DashboardChanges changes,
            Workspaces workspaces,
            AcknowledgedPublisher publisher,
            WorkspaceSettings settings,
            Clock clock) {
        this.dashboards = dashboards;
        this.changes = changes;
        this.workspaces = workspaces;
        this.publisher = publisher;
        this.settings = settings;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "200", description = "The dashboard")
    @ApiResponse(responseCode = "404", description = "No such dashboard, or the caller belongs to no workspace")
    @GetMapping("/api/dashboards/{name}")
    ResponseEntity<?> dashboard(
            @AuthenticationPrincipal Jwt token,
            @PathVariable String name,
            @RequestParam(required = false) @Min(1) @Max(500) Integer limit) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        if (!Dashboards.NAMES.contains(name)) {
            return Problems.response(Problems.of(
                    HttpStatus.NOT_FOUND,
                    "unknown-dashboard",
                    "No such dashboard",
                    "The dashboards are " + String.join(", ", Dashboards.NAMES) + "."));
        }
        String ws = member.get().workspaceId();
        return ResponseEntity.ok()
                .header("Cache-Control", "no-store")
                .body(dashboards.of(name, ws, isDefault(ws), limit == null ? DEFAULT_ROWS : limit));
    }

    @GetMapping(path = "/api/dashboards/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Object stream(@AuthenticationPrincipal Jwt token) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        String ws = member.get().workspaceId();
        SseEmitter emitter = new SseEmitter(STREAM_LIFETIME.toMillis());
        AtomicBoolean pending = new AtomicBoolean();
        Runnable send = () -> {
            pending.set(false);
            try {
                for (String name : Dashboards.NAMES) {
                    emitter.send(SseEmitter.event()
                            .name(name)
                            .data(dashboards.of(name, ws, isDefault(ws), DEFAULT_ROWS), MediaType.APPLICATION_JSON));
                }
            } catch (IOException | IllegalStateException gone) {
                emitter.completeWithError(gone);
            } catch (RuntimeException unreadable) {
                // the database is away: the stream stays, and is sent afresh when it is back
                log.warn("A dashboard of {} could not be read for its stream: {}", ws, unreadable.toString());
            }
        };
        Runnable unlisten = changes.listen(ws, changed -> {
            if (pending.compareAndSet(false, true)) {
                timer.schedule(send, COALESCE.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
        var heartbeat = timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        emitter.send(SseEmitter.event().comment("still here"));
                    } catch (IOException | IllegalStateException gone) {
                        emitter.completeWithError(gone);
                    }
                },
                HEARTBEAT.toMillis(),
                HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
        Runnable close = () -> {
            unlisten.run();
            heartbeat.cancel(false);
        };
        emitter.onCompletion(close);
        emitter.onTimeout(close);
        emitter.onError(e -> close.run());
        timer.execute(send);
        return emitter;
    }

    @ApiResponse(responseCode = "202", description = "The status is recorded")
    @ApiResponse(responseCode = "404", description = "No such request in the caller's workspace")
    @PostMapping("/api/dashboards/secretary/items/{actionId}/status")
    ResponseEntity<?> status(
            @AuthenticationPrincipal Jwt token, @PathVariable UUID actionId, @Valid @RequestBody StatusChange change) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        String ws = member.get().workspaceId();
        Record item = dashboards.item(actionId);
        String itemsWorkspace = item == null ? null : item.get(1, String.class);
        if (item == null || !ws.equals(itemsWorkspace == null ? workspaces.defaultId() : itemsWorkspace)) {
            return Problems.response(
                    Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", "No such request in your workspace."));
        }
        String user = item.get(0, String.class);
        ActionStatus status = ActionStatus.valueOf(change.status().toUpperCase(Locale.ROOT));
        ActionStatusChanged event = ActionStatusChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setUserId(user)
                .setActionId(actionId)
                .setWorkspaceId(ws)
                .setStatus(status)
                .setChangedBy(token.getSubject())
                .build();
        if (!publisher.publish(Topics.ACTIONS.record(user, event), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged("The change may or may not have been saved; send it again.");
        }
        log.info("Request {} of workspace {} is now {} (by {})", actionId, ws, status, token.getSubject());
        return ResponseEntity.accepted().body(new Accepted(actionId, change.status()));
    }

    private boolean isDefault(String ws) {
        return ws.equals(workspaces.defaultId());
    }

    private static ResponseEntity<?> noWorkspace() {
        return Problems.response(Problems.of(
                HttpStatus.NOT_FOUND,
                "no-workspace",
                "No workspace",
                "Dashboards are for a workspace's owner and staff; you are not a member of one."));
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }
}
