package app.donna.platform.budget;

import java.time.LocalDate;
import java.util.Optional;

/**
 * Whether a workspace, or one visitor of it, has spent its language-model token budget for today: then the
 * assistant answers them without the model until the UTC day ends. Projections' budget keeper decides it
 * from the day's counted tokens and says so on {@code donna.workspace} ({@code TokenBudgetSpent}); services
 * ask their {@code WorkspaceDirectory}.
 */
@FunctionalInterface
public interface TokenBudget {

    /** No budget: everything may be asked of the model. */
    TokenBudget NONE = (workspaceId, subject) -> Optional.empty();

    /**
     * @param workspaceId null: the default workspace
     * @param subject     the visitor (a user id, {@code anon:<session>}); null: only the workspace's budget
     * @return the spent budget that holds for them today (the workspace's first), or empty
     */
    Optional<Spent> spent(String workspaceId, String subject);

    /**
     * A spent budget.
     *
     * @param subject null when it is the whole workspace's
     */
    record Spent(String workspaceId, String subject, LocalDate day, long usedTokens, long limitTokens) {

        /** What the budget is, for an answer or a log: never the visitor's id. */
        public String scope() {
            return subject == null ? "workspace" : "visitor";
        }
    }
}
