package app.donna.ingress.workspace;

import app.donna.platform.settings.PersonaSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Workspaces as ingress-api manages them ({@code donna.workspace}; who a token makes a member is the
 * platform's {@link app.donna.platform.workspace.WorkspaceIdentity}, bound from the same section).
 *
 * @param selfService    whether a signed-in user who belongs to no workspace may create one
 * @param persona        the persona of a workspace that has not set its own
 * @param publishTimeout how long a change waits for the broker
 */
@Validated
@ConfigurationProperties("donna.workspace")
public record WorkspaceSettings(
        @DefaultValue("true") boolean selfService,
        @Valid @NotNull @DefaultValue PersonaSettings persona,
        @NotNull @DefaultValue("10s") Duration publishTimeout) {}
