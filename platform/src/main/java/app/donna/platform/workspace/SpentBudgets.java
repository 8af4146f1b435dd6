package app.donna.platform.workspace;

import app.donna.platform.budget.TokenBudget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The token budgets spent today, as the workspace projection keeps them from {@code donna.workspace}
 * ({@code workspace_budgets_spent}), for a service with the database: ingress-api (no voice secret is
 * minted for a workspace or visitor whose budget is spent; the analytics dashboard says so) and
 * email-processor (mail is drafted without the model). Services without it ask their
 * {@link WorkspaceDirectory}.
 */
public final class SpentBudgets implements TokenBudget {

    private final DataSource db;
    private final Clock clock;
    private final String defaultWorkspace;

    public SpentBudgets(DataSource db, Clock clock, String defaultWorkspace) {
        this.db = db;
        this.clock = clock;
        this.defaultWorkspace = defaultWorkspace;
    }

    @Override
    public Optional<Spent> spent(String workspaceId, String subject) {
        String workspace = workspaceId == null ? defaultWorkspace : workspaceId;
        LocalDate today = today();
        // the workspace's own ('' sorts first), then the visitor's
        return query(
                "SELECT subject, used_tokens, limit_tokens FROM workspace_budgets_spent WHERE workspace_id = ? "
                        + "AND day = ? AND subject IN ('', ?) ORDER BY subject LIMIT 1",
                workspace,
                today,
                subject == null ? "" : subject,
                r -> r.next()
                        ? Optional.of(new Spent(
                                workspace,
                                r.getString(1).isEmpty() ? null : r.getString(1),
                                today,
                                r.getLong(2),
                                r.getLong(3)))
                        : Optional.empty());
    }

    /** How many of {@code workspaceId}'s visitors (null: the default workspace's) have spent their own today. */
    public int visitorsSpentToday(String workspaceId) {
        return query(
                "SELECT count(*) FROM workspace_budgets_spent WHERE workspace_id = ? AND day = ? AND subject <> ?",
                workspaceId == null ? defaultWorkspace : workspaceId,
                today(),
                "",
                r -> r.next() ? r.getInt(1) : 0);
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private interface Rows<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private <T> T query(String sql, String workspace, LocalDate day, String subject, Rows<T> rows) {
        try (Connection c = db.getConnection();
                PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setString(1, workspace);
            statement.setObject(2, day);
            statement.setString(3, subject);
            try (ResultSet r = statement.executeQuery()) {
                return rows.read(r);
            }
        } catch (SQLException e) {
            // the cause kept: the services' handlers answer 503 for an unreachable database by it
            throw new IllegalStateException("reading the spent budgets failed: " + e.getMessage(), e);
        }
    }
}
