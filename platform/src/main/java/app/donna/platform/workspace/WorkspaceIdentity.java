package app.donna.platform.workspace;

import app.donna.platform.security.AnonymousSessionTokens;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.validation.annotation.Validated;

/**
 * What a token alone says about a caller's workspace ({@code donna.workspace}), the same in every service
 * that sees tokens: the identity provider's role claim, the deployment's configured owners of the default
 * workspace, and the workspace a visitor's token was minted for. Memberships the owner manages are not in
 * a token; ingress-api reads them from the read model, voice-relay from {@link WorkspaceDirectory}.
 *
 * @param defaultId the workspace of visitors who name none, of signed-in users who are no member, and of
 *                  events from before workspaces
 * @param owners    subjects who own the default workspace whatever the membership says: how a deployment
 *                  for one business gets its first owner
 * @param roleClaim a token claim that makes its user a member (e.g. Clerk's {@code org_role}); its value
 *                  ({@code owner}/{@code admin} or {@code staff}/{@code member}, an {@code org:} prefix
 *                  ignored, or a list of them) is the role. Empty: roles come from memberships only
 * @param idClaim   the claim naming the workspace of a role claim (e.g. {@code org_id}); empty or absent
 *                  from a token: the default workspace
 */
@Validated
@ConfigurationProperties("donna.workspace")
public record WorkspaceIdentity(
        @NotBlank @Pattern(regexp = WorkspaceIdentity.ID) @DefaultValue("default")
        String defaultId,

        @DefaultValue List<String> owners,
        @DefaultValue("") String roleClaim,
        @DefaultValue("") String idClaim) {

    /** What a workspace id may be: it is part of topic keys, claims and URLs. */
    public static final String ID = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    /** The claim of a visitor's token that names the workspace it was minted for. */
    public static final String VISITOR_WORKSPACE_CLAIM = "ws";

    /** The caller's membership as the token says it; empty for visitors and for anyone else. */
    public Optional<Membership> fromToken(Jwt token) {
        if (token == null || visitor(token)) {
            return Optional.empty();
        }
        Optional<Membership.Role> claimed = claimedRole(token);
        if (claimed.isPresent()) {
            String workspace = idClaim.isBlank() ? null : token.getClaimAsString(idClaim);
            if (workspace == null || !workspace.matches(ID)) {
                workspace = defaultId;
            }
            return Optional.of(new Membership(workspace, claimed.get(), Membership.Source.CLAIM));
        }
        if (owners.contains(token.getSubject())) {
            return Optional.of(new Membership(defaultId, Membership.Role.OWNER, Membership.Source.CONFIGURATION));
        }
        return Optional.empty();
    }

    /** The workspace a visitor's token was minted for; the default for tokens minted before workspaces. */
    public String visitorsWorkspace(Jwt token) {
        String named = token.getClaimAsString(VISITOR_WORKSPACE_CLAIM);
        return named != null && named.matches(ID) ? named : defaultId;
    }

    public static boolean visitor(Jwt token) {
        return AnonymousSessionTokens.ISSUER.equals(token.getClaimAsString("iss"));
    }

    private Optional<Membership.Role> claimedRole(Jwt token) {
        if (roleClaim.isBlank() || !token.hasClaim(roleClaim)) {
            return Optional.empty();
        }
        Object value = token.getClaims().get(roleClaim);
        List<?> values = value instanceof Collection<?> many ? List.copyOf(many) : List.of(value);
        Optional<Membership.Role> best = Optional.empty();
        for (Object v : values) {
            Optional<Membership.Role> role = role(String.valueOf(v));
            if (role.isPresent() && (best.isEmpty() || role.get() == Membership.Role.OWNER)) {
                best = role;
            }
        }
        return best;
    }

    /** A role claim's value as a role: owner or admin, staff or member; anything else grants nothing. */
    static Optional<Membership.Role> role(String claimed) {
        String name = claimed.toLowerCase(Locale.ROOT).strip();
        name = name.substring(name.lastIndexOf(':') + 1);
        return switch (name) {
            case "owner", "admin" -> Optional.of(Membership.Role.OWNER);
            case "staff", "member", "basic_member" -> Optional.of(Membership.Role.STAFF);
            default -> Optional.empty();
        };
    }
}
