package app.donna.ingress.chat;

import app.donna.ingress.paging.Cursor;
import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.web.Problems;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Chat messages: {@code POST} turns a message into a {@code ChatMessageSubmitted} event on
 * {@code donna.chat.inbound} and answers 202 once the broker has it; {@code GET} reads the session's
 * history from the read model. A session belongs to whoever claimed it first, by opening it or by the
 * first message to its id ({@link SessionOwners}), and to a workspace, whose staff may read its history;
 * anyone else gets 404, so session ids reveal nothing.
 */
@RestController
@RequestMapping("/api/chat/sessions/{sessionId}")
class ChatSessionsController {

    /** Body of a new message. */
    record SubmitMessage(
            @NotBlank @Size(max = 100_000) String text,

            @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._:-]*")
            String clientMessageId,

            @Size(max = 35) @Pattern(regexp = "[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
            String locale) {}

    /** Answer to an accepted message. */
    record Accepted(UUID sessionId, UUID messageId, String status) {}

    /** A single-use ticket for the session's stream, and the URL that spends it. */
    record StreamTicket(String ticket, String streamUrl, long expiresIn) {}

    /** One page of a session's history, oldest first. */
    record History(UUID sessionId, List<ChatHistory.Message> messages, String nextCursor) {}

    private final ChatCommands commands;
    private final ChatHistory history;
    private final SessionOwners owners;
    private final ChatApiSettings settings;
    private final ReplyStreams streams;
    private final StreamTickets tickets;
    private final Workspaces workspaces;

    ChatSessionsController(
            ChatCommands commands,
            ChatHistory history,
            SessionOwners owners,
            ChatApiSettings settings,
            ReplyStreams streams,
            StreamTickets tickets,
            Workspaces workspaces) {
        this.workspaces = workspaces;
        this.tickets = tickets;
        this.commands = commands;
        this.history = history;
        this.owners = owners;
        this.settings = settings;
        this.streams = streams;
    }

    /**
     * The session's replies as server-sent events ({@code delta} fragments, then one {@code reply}), to its
     * owner and to the staff of its workspace (who watch it to take it over). Ownership is settled when the session is claimed, so there is nothing to wait for. A
     * browser's {@code EventSource}, which cannot send {@code Authorization}, presents a single-use
     * {@code ticket} instead (see {@link #streamTicket}), and may name the last event it saw as
     * {@code lastEventId} when it reconnects with a new ticket.
     */
    @ApiResponse(responseCode = "200", description = "The session's replies as server-sent events")
    @ApiResponse(responseCode = "401", description = "Neither a token nor a valid stream ticket")
    @ApiResponse(responseCode = "404", description = "No such chat session for this caller")
    @GetMapping("/stream")
    Object stream(
            @PathVariable UUID sessionId,
            @AuthenticationPrincipal Jwt user,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            @RequestParam(name = "lastEventId", required = false) @Size(max = 32) String lastEventIdParam,
            @RequestParam(required = false) @Size(max = 64) String ticket) {
        if (ticket != null) {
            if (!tickets.redeem(ticket, sessionId)) {
                return Problems.response(
                        Problems.unauthorized("The stream ticket is unknown, spent or expired; ask for a new one."));
            }
        } else if (user == null) {
            return Problems.response(Problems.unauthorized(Problems.BAD_CREDENTIALS));
        } else if (!owners.isVisibleTo(sessionId, Caller.of(user), workspaces.of(user))) {
            return notFound();
        }
        return streams.open(
                sessionId, ReplyStreams.Position.parse(lastEventId != null ? lastEventId : lastEventIdParam));
    }

    /**
     * A ticket that opens this session's stream once, within a minute, for a browser: {@code new
     * EventSource(streamUrl)}. Only for the session's owner (a user or the visitor) and its workspace's staff.
     */
    @ApiResponse(responseCode = "201", description = "A single-use ticket for opening the stream")
    @ApiResponse(responseCode = "404", description = "No such chat session for this caller")
    @PostMapping("/stream-tickets")
    ResponseEntity<?> streamTicket(@PathVariable UUID sessionId, @AuthenticationPrincipal Jwt user) {
        if (!owners.isVisibleTo(sessionId, Caller.of(user), workspaces.of(user))) {
            return notFound();
        }
        StreamTickets.Issued issued = tickets.issue(sessionId);
        return ResponseEntity.status(HttpStatus.CREATED)
                .header("Cache-Control", "no-store")
                .body(new StreamTicket(
                        issued.ticket(),
                        "/api/chat/sessions/" + sessionId + "/stream?ticket=" + issued.ticket(),
                        issued.lifetime().toSeconds()));
    }

    @ApiResponse(responseCode = "202", description = "The message is accepted (its id)")
    @ApiResponse(responseCode = "404", description = "No such chat session for this caller")
    @PostMapping("/messages")
    ResponseEntity<?> submit(
            @PathVariable UUID sessionId, @Valid @RequestBody SubmitMessage body, @AuthenticationPrincipal Jwt user) {
        Optional<String> refused = MessageText.problem(body.text(), settings.maxMessageChars());
        if (refused.isPresent()) {
            return Problems.response(Problems.invalid("text", refused.get()));
        }
        Caller caller = Caller.of(user);
        // Claimed before anything is published: of two first messages racing for a new id, one wins for good.
        // A session first used by a message belongs to the caller's workspace, or the default one.
        String workspace = owners.ownerOf(sessionId)
                .map(SessionOwners.Owner::workspaceId)
                .orElseGet(
                        () -> workspaces.forConversation(user, Optional.empty()).orElseThrow());
        if (!owners.claim(sessionId, caller, workspace)) {
            return notFound();
        }
        return switch (commands.submit(
                sessionId, caller, workspace, body.text(), body.locale(), body.clientMessageId())) {
            case ChatCommands.Result.Accepted accepted ->
                ResponseEntity.accepted()
                        .location(URI.create("/api/chat/sessions/" + sessionId + "/messages"))
                        .body(new Accepted(sessionId, accepted.messageId(), "accepted"));
            case ChatCommands.Result.OutcomeUnknown unknown -> {
                ProblemDetail p = Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "outcome-unknown",
                        "Service unavailable",
                        "The message was not confirmed in time: it may or may not have "
                                + "been stored. Retry with the same clientMessageId; a retry is never stored twice.");
                if (body.clientMessageId() != null && !body.clientMessageId().isEmpty()) {
                    p.setProperty("messageId", unknown.messageId());
                }
                yield ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                        .header("Retry-After", "5")
                        .body(p);
            }
        };
    }

    @ApiResponse(responseCode = "200", description = "The session's history")
    @ApiResponse(responseCode = "404", description = "No such chat session for this caller")
    @GetMapping("/messages")
    ResponseEntity<?> history(
            @PathVariable UUID sessionId,
            @RequestParam(required = false) @Min(1) @Max(200) Integer limit,
            @RequestParam(required = false) @Size(max = 200) String cursor,
            @AuthenticationPrincipal Jwt user) {
        // the session's owner, and the staff of its workspace
        if (!owners.isVisibleTo(sessionId, Caller.of(user), workspaces.of(user))) {
            return notFound();
        }
        Optional<Cursor> after;
        try {
            after = Optional.ofNullable(cursor).map(Cursor::parse);
        } catch (IllegalArgumentException e) {
            return Cursor.notOurs();
        }
        ChatHistory.Page page = history.page(sessionId, after, limit == null ? settings.defaultPageSize() : limit);
        return ResponseEntity.ok(new History(
                sessionId, page.messages(), page.next().map(Cursor::toString).orElse(null)));
    }

    static ResponseEntity<?> notFound() {
        return Problems.response(Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", "No such chat session."));
    }
}
