package app.donna.projections.budget;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The daily language-model token budgets ({@code donna.budget.*}), counted per UTC day from the tokens every
 * channel's events report (chat replies, call responses, drafted mail).
 *
 * @param workspaceDailyTokens what one workspace's conversations may use in a day, all channels together;
 *                             0: no budget
 * @param visitorDailyTokens   what one visitor (a chat session's owner, a caller) may use in a day in one
 *                             workspace; 0: no budget. An anonymous visitor is one chat session or one call
 * @param checkInterval        how often the keeper counts: a budget is enforced within about this much (and
 *                             the projector's lag) after it is reached
 * @param defaultWorkspace     the workspace of conversations from before workspaces
 */
@Validated
@ConfigurationProperties("donna.budget")
public record BudgetSettings(
        @Min(0) @DefaultValue("2000000") long workspaceDailyTokens,
        @Min(0) @DefaultValue("50000") long visitorDailyTokens,
        @DefaultValue("2s") Duration checkInterval,
        @DefaultValue("default") String defaultWorkspace) {}
