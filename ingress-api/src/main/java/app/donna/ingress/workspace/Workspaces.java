package app.donna.ingress.workspace;

import static app.donna.projections.db.Tables.WORKSPACES;
import static app.donna.projections.db.Tables.WORKSPACE_MEMBERS;
import static app.donna.projections.db.Tables.WORKSPACE_PERSONAS;

import app.donna.platform.persona.Persona;
import app.donna.platform.workspace.Membership;
import app.donna.platform.workspace.WorkspaceIdentity;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * Who works for which workspace, and each workspace's persona, as every endpoint asks it. A signed-in user
 * is a member by the identity provider's role claim (when one is configured and the token has it), by the
 * deployment's configured owners of the default workspace, or by a membership the owner manages
 * ({@code workspace_members}), in that order. Memberships are read on each request, never remembered: a
 * removed member loses access with their next request once the removal is projected.
 */
@Component
public class Workspaces {

    private final DSLContext db;
    private final WorkspaceSettings settings;
    private final WorkspaceIdentity identity;

    Workspaces(DSLContext db, WorkspaceSettings settings, WorkspaceIdentity identity) {
        this.db = db;
        this.settings = settings;
        this.identity = identity;
    }

    public String defaultId() {
        return identity.defaultId();
    }

    /**
     * The workspace a caller's call or conversation belongs to when they start one: a member's own; for a
     * visitor, the one their token was minted for; for anyone else, the default.
     */
    public String ofCaller(Jwt token) {
        if (token != null && WorkspaceIdentity.visitor(token)) {
            return identity.visitorsWorkspace(token);
        }
        return of(token).map(Membership::workspaceId).orElse(identity.defaultId());
    }

    /** The caller's membership; none for visitors and for users who work for no workspace. */
    public Optional<Membership> of(Jwt token) {
        if (token == null || WorkspaceIdentity.visitor(token)) {
            return Optional.empty();
        }
        return identity.fromToken(token)
                .or(() -> db.select(WORKSPACE_MEMBERS.WORKSPACE_ID, WORKSPACE_MEMBERS.ROLE)
                        .from(WORKSPACE_MEMBERS)
                        .where(WORKSPACE_MEMBERS.USER_ID.eq(token.getSubject()))
                        .and(WORKSPACE_MEMBERS.ROLE.in("OWNER", "STAFF"))
                        .orderBy(WORKSPACE_MEMBERS.CHANGED_AT.desc())
                        .limit(1)
                        .fetchOptional(r -> new Membership(
                                r.value1(), Membership.Role.valueOf(r.value2()), Membership.Source.MEMBERSHIP)));
    }

    /**
     * The workspace a caller's new conversation belongs to: a member's own; otherwise the one the client
     * named (a website widget says whose site it is on), if it exists; otherwise the default.
     *
     * @return empty when the client named a workspace that does not exist
     */
    public Optional<String> forConversation(Jwt token, Optional<String> named) {
        Optional<Membership> member = of(token);
        if (member.isPresent()) {
            return Optional.of(member.get().workspaceId());
        }
        if (named.isEmpty() || named.get().equals(identity.defaultId())) {
            return Optional.of(identity.defaultId());
        }
        return exists(named.get()) ? named : Optional.empty();
    }

    /** Whether the workspace exists: the default always does. */
    public boolean exists(String workspaceId) {
        return workspaceId.equals(identity.defaultId())
                || db.fetchExists(WORKSPACES, WORKSPACES.WORKSPACE_ID.eq(workspaceId));
    }

    /** The workspace's name: as created, or for a default workspace nobody created, its persona's. */
    public String name(String workspaceId) {
        return db.select(WORKSPACES.NAME)
                .from(WORKSPACES)
                .where(WORKSPACES.WORKSPACE_ID.eq(workspaceId))
                .fetchOptional(r -> r.value1())
                .orElseGet(() -> persona(workspaceId).businessName());
    }

    /** The persona the workspace set, or the configured one until it sets its own. */
    public Persona persona(String workspaceId) {
        return personaSet(workspaceId).orElseGet(() -> settings.persona().persona());
    }

    /** The persona the workspace set, if it did. */
    public Optional<Persona> personaSet(String workspaceId) {
        return db.selectFrom(WORKSPACE_PERSONAS)
                .where(WORKSPACE_PERSONAS.WORKSPACE_ID.eq(workspaceId))
                .fetchOptional(r -> new Persona(
                        r.getBusinessName(),
                        r.getHours(),
                        r.getServices().isEmpty()
                                ? List.of()
                                : Arrays.asList(r.getServices().split("\n")),
                        r.getTone(),
                        r.getInstructions()));
    }
}
