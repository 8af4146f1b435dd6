package app.donna.ingress.workspace;

import app.donna.platform.settings.PersonaSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Workspaces ({@code donna.workspace}): the businesses Donna works for, and who works for them.
 *
 * @param defaultId      the workspace of visitors who name none, and of signed-in users who are no member
 * @param owners         subjects who own the default workspace whatever the membership says: how a
 *                       deployment for one business gets its first owner ({@code DONNA_WORKSPACE_OWNERS})
 * @param roleClaim      a token claim that makes its user a member (e.g. Clerk's {@code org_role}); its value
 *                       ({@code owner}/{@code admin} or {@code staff}/{@code member}, an {@code org:}
 *                       prefix ignored, or a list of them) is the role. Empty: roles come from memberships
 * @param idClaim        the claim naming the workspace of a role claim (e.g. {@code org_id}); empty or
 *                       absent from a token: the default workspace
 * @param selfService    whether a signed-in user who belongs to no workspace may create one
 * @param persona        the persona of a workspace that has not set its own
 * @param publishTimeout how long a change waits for the broker
 */
@Validated
@ConfigurationProperties("donna.workspace")
public record WorkspaceSettings(
        @NotBlank @Pattern(regexp = WorkspaceSettings.ID) @DefaultValue("default")
        String defaultId,

        @DefaultValue List<String> owners,
        @DefaultValue("") String roleClaim,
        @DefaultValue("") String idClaim,
        @DefaultValue("true") boolean selfService,
        @Valid @NotNull @DefaultValue PersonaSettings persona,
        @NotNull @DefaultValue("10s") Duration publishTimeout) {

    /** What a workspace id may be: it is part of topic keys and URLs. */
    public static final String ID = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";
}
