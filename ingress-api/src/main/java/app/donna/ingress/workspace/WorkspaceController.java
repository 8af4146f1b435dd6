package app.donna.ingress.workspace;

import static app.donna.projections.db.Tables.WORKSPACE_MEMBERS;

import app.donna.events.workspace.WorkspaceCreated;
import app.donna.events.workspace.WorkspaceMemberChanged;
import app.donna.events.workspace.WorkspacePersonaSet;
import app.donna.events.workspace.WorkspaceRole;
import app.donna.ingress.publishing.AcknowledgedPublisher;
import app.donna.platform.persona.Persona;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.Membership;
import app.donna.platform.workspace.WorkspaceIdentity;
import app.donna.schemas.Topics;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The workspace and its staff. A signed-in user creates a workspace ({@code POST /api/workspaces}) and owns
 * it; the owner manages its members ({@code /api/workspace/members}) and its persona
 * ({@code /api/workspace/persona}). Every change is a record on the compacted {@code donna.workspace}
 * (answered 202 once the broker has it), in force once projected. The workspace is always the caller's
 * own, never one named in the request, so no one can reach into another's.
 */
@Validated
@RestController
class WorkspaceController {

    private static final Logger log = LoggerFactory.getLogger(WorkspaceController.class);
    /** A subject as identity providers write them, with nothing a key or a log line could trip on. */
    private static final String SUBJECT = "[^\\s/\\x00-\\x1f\\x7f]{1,255}";

    private static final String LINE = "[^\\x00-\\x1f\\x7f]*";
    private static final String TEXT = "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*";

    record NewWorkspace(
            @NotBlank @Size(max = 120) @Pattern(regexp = LINE)
            String name) {}

    record Created(String workspaceId, String name) {}

    record Current(String workspaceId, String name, String role, String source) {}

    record Member(String userId, String role, String changedBy, Instant changedAt) {}

    record Members(List<Member> members, List<String> configuredOwners, String roleClaim) {}

    record MemberRole(
            @NotNull @Pattern(regexp = "owner|staff") String role) {}

    record PersonaBody(
            @NotBlank @Size(max = 120) @Pattern(regexp = LINE)
            String businessName,

            @NotBlank @Size(max = 500) @Pattern(regexp = LINE)
            String hours,

            @Size(max = 50) List<@NotBlank @Size(max = 200) @Pattern(regexp = LINE) String> services,

            @NotBlank @Size(max = 200) @Pattern(regexp = LINE)
            String tone,

            @Size(max = 4000) @Pattern(regexp = TEXT) String instructions) {}

    record PersonaShown(
            String businessName,
            String hours,
            List<String> services,
            String tone,
            String instructions,
            String source) {}

    private final Workspaces workspaces;
    private final WorkspaceSettings settings;
    private final WorkspaceIdentity identity;
    private final AcknowledgedPublisher publisher;
    private final DSLContext db;
    private final Clock clock;

    WorkspaceController(
            Workspaces workspaces,
            WorkspaceSettings settings,
            WorkspaceIdentity identity,
            AcknowledgedPublisher publisher,
            DSLContext db,
            Clock clock) {
        this.identity = identity;
        this.workspaces = workspaces;
        this.settings = settings;
        this.publisher = publisher;
        this.db = db;
        this.clock = clock;
    }

    @ApiResponse(responseCode = "202", description = "The workspace is being created")
    @ApiResponse(responseCode = "403", description = "A visitor's token, or a user who may not create workspaces")
    @ApiResponse(responseCode = "409", description = "The caller already belongs to a workspace")
    @PostMapping("/api/workspaces")
    ResponseEntity<?> create(@AuthenticationPrincipal Jwt token, @Valid @RequestBody NewWorkspace body) {
        if (visitor(token)) {
            return needsAccount();
        }
        Optional<Membership> member = workspaces.of(token);
        if (member.isPresent()) {
            return Problems.response(Problems.of(
                    HttpStatus.CONFLICT,
                    "already-a-member",
                    "Already a member",
                    "You work for workspace " + member.get().workspaceId() + "; leave it before creating another."));
        }
        if (!settings.selfService()) {
            return Problems.response(Problems.of(
                    HttpStatus.FORBIDDEN,
                    "workspace-creation-closed",
                    "Workspaces are not created here",
                    "This deployment's operator adds workspaces and their owners."));
        }
        String id = "ws-" + UUID.randomUUID();
        WorkspaceCreated created = WorkspaceCreated.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now())
                .setWorkspaceId(id)
                .setName(body.name().strip())
                .setCreatedBy(token.getSubject())
                .build();
        if (!publisher.publish(Topics.WORKSPACE.record(id, created), settings.publishTimeout())) {
            return AcknowledgedPublisher.notAcknowledged(
                    "The workspace may or may not have been created; look at GET /api/workspace before trying again.");
        }
        log.info("Workspace {} created by {}", id, token.getSubject());
        return ResponseEntity.accepted()
                .location(URI.create("/api/workspace"))
                .body(new Created(id, created.getName()));
    }

    @ApiResponse(responseCode = "200", description = "The caller's workspace and role")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @GetMapping("/api/workspace")
    ResponseEntity<?> current(@AuthenticationPrincipal Jwt token) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        Membership m = member.get();
        return noStore(new Current(
                m.workspaceId(),
                workspaces.name(m.workspaceId()),
                m.role().name().toLowerCase(Locale.ROOT),
                m.source().name().toLowerCase(Locale.ROOT)));
    }

    @ApiResponse(responseCode = "200", description = "The workspace's members")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @GetMapping("/api/workspace/members")
    ResponseEntity<?> members(@AuthenticationPrincipal Jwt token) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        String ws = member.get().workspaceId();
        List<Member> members = db.selectFrom(WORKSPACE_MEMBERS)
                .where(WORKSPACE_MEMBERS.WORKSPACE_ID.eq(ws))
                .and(WORKSPACE_MEMBERS.ROLE.in("OWNER", "STAFF"))
                .orderBy(WORKSPACE_MEMBERS.USER_ID)
                .fetch(r -> new Member(
                        r.getUserId(), r.getRole().toLowerCase(Locale.ROOT), r.getChangedBy(), r.getChangedAt()));
        return noStore(new Members(
                members,
                ws.equals(identity.defaultId()) ? identity.owners() : List.of(),
                identity.roleClaim().isBlank() ? null : identity.roleClaim()));
    }

    @ApiResponse(responseCode = "202", description = "The change is being made")
    @ApiResponse(responseCode = "403", description = "Only owners manage members")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @ApiResponse(
            responseCode = "409",
            description = "The user belongs to another workspace, or the change would leave no owner")
    @PutMapping("/api/workspace/members/{userId}")
    ResponseEntity<?> setMember(
            @AuthenticationPrincipal Jwt token,
            @PathVariable @Pattern(regexp = SUBJECT) String userId,
            @Valid @RequestBody MemberRole body) {
        Optional<Membership> owner = owner(token);
        if (owner.isEmpty()) {
            return onlyOwners(token);
        }
        String ws = owner.get().workspaceId();
        Optional<String> elsewhere = db.select(WORKSPACE_MEMBERS.WORKSPACE_ID)
                .from(WORKSPACE_MEMBERS)
                .where(WORKSPACE_MEMBERS.USER_ID.eq(userId))
                .and(WORKSPACE_MEMBERS.ROLE.in("OWNER", "STAFF"))
                .and(WORKSPACE_MEMBERS.WORKSPACE_ID.ne(ws))
                .limit(1)
                .fetchOptional(r -> r.value1());
        if (elsewhere.isPresent()) {
            return Problems.response(Problems.of(
                    HttpStatus.CONFLICT,
                    "member-elsewhere",
                    "A member of another workspace",
                    "That user works for another workspace; a user belongs to one workspace at a time."));
        }
        WorkspaceRole role = WorkspaceRole.valueOf(body.role().toUpperCase(Locale.ROOT));
        if (role == WorkspaceRole.STAFF && userId.equals(token.getSubject()) && lastOwner(ws, userId)) {
            return lastOwnerProblem();
        }
        return changeMember(token, ws, userId, role);
    }

    @ApiResponse(responseCode = "202", description = "The member is being removed")
    @ApiResponse(responseCode = "403", description = "Only owners manage members")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @ApiResponse(responseCode = "409", description = "The change would leave no owner")
    @DeleteMapping("/api/workspace/members/{userId}")
    ResponseEntity<?> removeMember(
            @AuthenticationPrincipal Jwt token, @PathVariable @Pattern(regexp = SUBJECT) String userId) {
        Optional<Membership> owner = owner(token);
        if (owner.isEmpty()) {
            return onlyOwners(token);
        }
        String ws = owner.get().workspaceId();
        if (lastOwner(ws, userId)) {
            return lastOwnerProblem();
        }
        return changeMember(token, ws, userId, WorkspaceRole.REMOVED);
    }

    @ApiResponse(responseCode = "200", description = "The workspace's persona")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @GetMapping("/api/workspace/persona")
    ResponseEntity<?> persona(@AuthenticationPrincipal Jwt token) {
        Optional<Membership> member = workspaces.of(token);
        if (member.isEmpty()) {
            return noWorkspace();
        }
        Optional<Persona> set = workspaces.personaSet(member.get().workspaceId());
        Persona p = set.orElseGet(() -> workspaces.persona(member.get().workspaceId()));
        return noStore(new PersonaShown(
                p.businessName(),
                p.hours(),
                p.services(),
                p.tone(),
                p.instructions(),
                set.isPresent() ? "workspace" : "default"));
    }

    @ApiResponse(responseCode = "202", description = "The persona is being changed")
    @ApiResponse(responseCode = "403", description = "Only owners change the persona")
    @ApiResponse(responseCode = "404", description = "The caller belongs to no workspace")
    @PutMapping("/api/workspace/persona")
    ResponseEntity<?> setPersona(@AuthenticationPrincipal Jwt token, @Valid @RequestBody PersonaBody body) {
        Optional<Membership> owner = owner(token);
        if (owner.isEmpty()) {
            return onlyOwners(token);
        }
        String ws = owner.get().workspaceId();
        WorkspacePersonaSet set = WorkspacePersonaSet.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now())
                .setWorkspaceId(ws)
                .setBusinessName(body.businessName().strip())
                .setHours(body.hours().strip())
                .setServices(
                        body.services() == null
                                ? List.of()
                                : body.services().stream().map(String::strip).toList())
                .setTone(body.tone().strip())
                .setInstructions(
                        body.instructions() == null ? "" : body.instructions().strip())
                .setUpdatedBy(token.getSubject())
                .build();
        if (!publish(Topics.personaKey(ws), set)) {
            return AcknowledgedPublisher.notAcknowledged("The persona may or may not have been saved; send it again.");
        }
        log.info("Persona of workspace {} set by {}", ws, token.getSubject());
        return ResponseEntity.accepted().body(body);
    }

    private ResponseEntity<?> changeMember(Jwt token, String ws, String userId, WorkspaceRole role) {
        WorkspaceMemberChanged changed = WorkspaceMemberChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now())
                .setWorkspaceId(ws)
                .setUserId(userId)
                .setRole(role)
                .setChangedBy(token.getSubject())
                .build();
        if (!publish(Topics.memberKey(ws, userId), changed)) {
            return AcknowledgedPublisher.notAcknowledged("The change may or may not have been saved; send it again.");
        }
        log.info("Member {} of workspace {} is now {} (by {})", userId, ws, role, token.getSubject());
        return ResponseEntity.accepted()
                .body(new Member(
                        userId, role.name().toLowerCase(Locale.ROOT), token.getSubject(), changed.getOccurredAt()));
    }

    /**
     * Whether {@code userId} is the workspace's only owner by membership, with no configured owner beside:
     * without one, nobody could manage the workspace any more.
     */
    private boolean lastOwner(String ws, String userId) {
        if (ws.equals(identity.defaultId()) && !identity.owners().isEmpty()) {
            return false;
        }
        List<String> owners = db.select(WORKSPACE_MEMBERS.USER_ID)
                .from(WORKSPACE_MEMBERS)
                .where(WORKSPACE_MEMBERS.WORKSPACE_ID.eq(ws))
                .and(WORKSPACE_MEMBERS.ROLE.eq("OWNER"))
                .fetch(r -> r.value1());
        return owners.equals(List.of(userId));
    }

    private boolean publish(String key, SpecificRecordBase event) {
        return publisher.publish(Topics.WORKSPACE.record(key, event), settings.publishTimeout());
    }

    private Optional<Membership> owner(Jwt token) {
        return workspaces.of(token).filter(Membership::owner);
    }

    private ResponseEntity<?> onlyOwners(Jwt token) {
        if (workspaces.of(token).isEmpty()) {
            return noWorkspace();
        }
        return Problems.response(Problems.of(
                HttpStatus.FORBIDDEN,
                "owners-only",
                "Only owners may do this",
                "Only an owner of the workspace manages its members and persona."));
    }

    private static ResponseEntity<?> lastOwnerProblem() {
        return Problems.response(Problems.of(
                HttpStatus.CONFLICT,
                "last-owner",
                "The last owner",
                "A workspace keeps at least one owner: make someone else an owner first."));
    }

    private static ResponseEntity<?> noWorkspace() {
        return Problems.response(Problems.of(
                HttpStatus.NOT_FOUND,
                "no-workspace",
                "No workspace",
                "You are not a member of any workspace. Create one with POST /api/workspaces, or ask an owner to "
                        + "add you."));
    }

    private static ResponseEntity<?> needsAccount() {
        return Problems.response(Problems.of(
                HttpStatus.FORBIDDEN,
                "workspace-needs-account",
                "Sign in to work for a business",
                "A workspace belongs to signed-in users, not to an anonymous visitor."));
    }

    private static boolean visitor(Jwt token) {
        return token == null || WorkspaceIdentity.visitor(token);
    }

    private static ResponseEntity<?> noStore(Object body) {
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(body);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
