-- Marketing: the campaign a conversation came from (a chat's widget says it when it opens the session; a
-- mail's Gmail label "campaign/<name>" or the plus-tag of the address it was sent to).
ALTER TABLE dashboard_conversations ADD COLUMN campaign VARCHAR(255);

-- Sales: one lead per contact (an email address, or a phone number's digits) per workspace ('' for the
-- default), from contact details left in a request or a mail received, with the conversation it came
-- from first.
CREATE TABLE dashboard_leads (
    workspace_key          VARCHAR(255) NOT NULL,
    contact_key            VARCHAR(320) NOT NULL,
    contact                TEXT         NOT NULL,
    name                   TEXT,
    first_seen_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    source_conversation_id VARCHAR(600),
    requests               INTEGER      NOT NULL DEFAULT 0,
    bookings               INTEGER      NOT NULL DEFAULT 0,
    mails                  INTEGER      NOT NULL DEFAULT 0,
    CONSTRAINT pk_dashboard_leads PRIMARY KEY (workspace_key, contact_key)
);

CREATE INDEX ix_dashboard_leads_recent ON dashboard_leads (workspace_key, last_seen_at DESC);
