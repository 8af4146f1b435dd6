-- Token budgets: projections' budget keeper counts each day's tokens from the facts every few seconds.
CREATE INDEX ix_dashboard_facts_day ON dashboard_facts (day, figure);

-- The spent budgets read from donna.workspace (TokenBudgetSpent), for ingress-api: it mints no voice secret
-- for a workspace or visitor whose budget is spent, and the analytics dashboard says so.
CREATE TABLE workspace_budgets_spent (
    workspace_id VARCHAR(255) NOT NULL,
    day          DATE         NOT NULL,
    subject      VARCHAR(255) NOT NULL DEFAULT '',
    used_tokens  BIGINT       NOT NULL,
    limit_tokens BIGINT       NOT NULL,
    spent_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_workspace_budgets_spent PRIMARY KEY (workspace_id, day, subject)
);

-- What drafting a reply cost, and why an acknowledgement was used, kept with the draft so a draft job read
-- again after a crash publishes the same DraftCreated.
ALTER TABLE email_drafts
    ADD COLUMN input_tokens    INTEGER,
    ADD COLUMN output_tokens   INTEGER,
    ADD COLUMN degraded_reason VARCHAR(32);
