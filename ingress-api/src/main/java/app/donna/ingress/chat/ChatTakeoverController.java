package app.donna.ingress.chat;

import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.Membership;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Human takeover of a live chat, by the staff of the session's workspace: {@code POST .../takeover} stops
 * the assistant answering, {@code POST .../staff-replies} writes to the visitor (who sees it on the
 * session's stream), {@code POST .../handback} lets the assistant answer again, with what staff said in
 * its context. Each is an event on {@code donna.chat.inbound}, answered 202 once the broker has it; anyone
 * but a member of the session's workspace gets 404, as for any session not theirs.
 */
@RestController
@RequestMapping("/api/chat/sessions/{sessionId}")
class ChatTakeoverController {

    private static final Logger log = LoggerFactory.getLogger(ChatTakeoverController.class);

    /** Body of a staff reply; {@code clientMessageId} makes a retry reach the visitor once. */
    record StaffReply(
            @NotBlank @Size(max = 100_000) String text,

            @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._:-]*")
            String clientMessageId) {}

    /** Answer to an accepted staff act. */
    record Accepted(UUID sessionId, String status, UUID replyId) {}

    private final ChatCommands commands;
    private final SessionOwners owners;
    private final Workspaces workspaces;
    private final ChatApiSettings settings;

    ChatTakeoverController(
            ChatCommands commands, SessionOwners owners, Workspaces workspaces, ChatApiSettings settings) {
        this.commands = commands;
        this.owners = owners;
        this.workspaces = workspaces;
        this.settings = settings;
    }

    @ApiResponse(responseCode = "202", description = "Staff have the chat")
    @ApiResponse(responseCode = "404", description = "No such chat session in the caller's workspace")
    @PostMapping("/takeover")
    ResponseEntity<?> takeOver(@PathVariable UUID sessionId, @AuthenticationPrincipal Jwt user) {
        return act(ChatCommands.StaffAct.TAKE_OVER, sessionId, user, "taken-over");
    }

    @ApiResponse(responseCode = "202", description = "The assistant has the chat again")
    @ApiResponse(responseCode = "404", description = "No such chat session in the caller's workspace")
    @PostMapping("/handback")
    ResponseEntity<?> handBack(@PathVariable UUID sessionId, @AuthenticationPrincipal Jwt user) {
        return act(ChatCommands.StaffAct.HAND_BACK, sessionId, user, "handed-back");
    }

    @ApiResponse(responseCode = "202", description = "The reply is on its way to the visitor")
    @ApiResponse(responseCode = "404", description = "No such chat session in the caller's workspace")
    @PostMapping("/staff-replies")
    ResponseEntity<?> reply(
            @PathVariable UUID sessionId, @Valid @RequestBody StaffReply body, @AuthenticationPrincipal Jwt user) {
        Optional<String> refused = MessageText.problem(body.text(), settings.maxMessageChars());
        if (refused.isPresent()) {
            return Problems.response(Problems.invalid("text", refused.get()));
        }
        Optional<SessionOwners.Owner> owner = staffsSession(sessionId, user);
        if (owner.isEmpty()) {
            return ChatSessionsController.notFound();
        }
        return switch (commands.staffReply(
                sessionId, owner.get(), user.getSubject(), body.text(), body.clientMessageId())) {
            case ChatCommands.Result.Accepted accepted ->
                ResponseEntity.accepted().body(new Accepted(sessionId, "accepted", accepted.messageId()));
            case ChatCommands.Result.OutcomeUnknown unknown -> outcomeUnknown();
        };
    }

    private ResponseEntity<?> act(ChatCommands.StaffAct act, UUID sessionId, Jwt user, String status) {
        Optional<SessionOwners.Owner> owner = staffsSession(sessionId, user);
        if (owner.isEmpty()) {
            return ChatSessionsController.notFound();
        }
        if (!commands.staff(act, sessionId, owner.get(), user.getSubject())) {
            return outcomeUnknown();
        }
        log.info("{} of chat session {} by {}", act, sessionId, user.getSubject());
        return ResponseEntity.accepted().body(new Accepted(sessionId, status, null));
    }

    /** The session, if the caller is a member (owner or staff) of its workspace. */
    private Optional<SessionOwners.Owner> staffsSession(UUID sessionId, Jwt user) {
        Optional<String> workspace = workspaces.of(user).map(Membership::workspaceId);
        return owners.ownerOf(sessionId)
                .filter(owner -> workspace.filter(owner.workspaceId()::equals).isPresent());
    }

    private static ResponseEntity<?> outcomeUnknown() {
        ProblemDetail p = Problems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "outcome-unknown",
                "Service unavailable",
                "The broker did not confirm this in time: it may or may not have been stored. Retry: taking over "
                        + "or handing back again is harmless, and a reply with the same clientMessageId reaches "
                        + "the visitor once.");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "5")
                .body(p);
    }
}
