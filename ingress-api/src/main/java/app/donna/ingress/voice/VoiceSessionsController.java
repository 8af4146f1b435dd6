package app.donna.ingress.voice;

import app.donna.ingress.chat.Caller;
import app.donna.ingress.paging.Cursor;
import app.donna.ingress.workspace.Workspaces;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.Membership;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A caller's own voice calls: {@code GET /api/voice/sessions} (newest first, a page at a time) and
 * {@code GET /api/voice/sessions/{id}} with the transcript (as redacted by the relay) and the actions the
 * call led to. A call is its caller's, and its workspace's staff may read it: anyone else, a visitor
 * included, gets 404.
 */
@RestController
class VoiceSessionsController {

    static final int DEFAULT_PAGE = 20;

    record Calls(List<VoiceHistory.Call> sessions, String nextCursor) {}

    private final VoiceHistory history;
    private final Workspaces workspaces;

    VoiceSessionsController(VoiceHistory history, Workspaces workspaces) {
        this.history = history;
        this.workspaces = workspaces;
    }

    @GetMapping("/api/voice/sessions")
    ResponseEntity<?> list(
            @AuthenticationPrincipal Jwt user,
            @RequestParam(required = false) @Min(1) @Max(100) Integer limit,
            @RequestParam(required = false) @Size(max = 200) String cursor) {
        Optional<Cursor> before;
        try {
            before = Optional.ofNullable(cursor).map(Cursor::parse);
        } catch (IllegalArgumentException e) {
            return Cursor.notOurs();
        }
        VoiceHistory.Page page = history.calls(Caller.of(user).userId(), before, limit == null ? DEFAULT_PAGE : limit);
        return ResponseEntity.ok(
                new Calls(page.calls(), page.next().map(Cursor::toString).orElse(null)));
    }

    @ApiResponse(responseCode = "200", description = "The call's trail")
    @ApiResponse(responseCode = "404", description = "No such voice session for this caller")
    @GetMapping("/api/voice/sessions/{voiceSessionId}")
    ResponseEntity<?> one(@AuthenticationPrincipal Jwt user, @PathVariable UUID voiceSessionId) {
        return history.call(
                        Caller.of(user).userId(),
                        workspaces.of(user).map(Membership::workspaceId),
                        workspaces.defaultId(),
                        voiceSessionId)
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> Problems.response(
                        Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", "No such voice session.")));
    }
}
