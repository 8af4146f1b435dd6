-- The business side's live dashboards, projected by the "dashboards" projection from every channel's
-- topics. Each event counts once (dashboard_events_seen), whichever topic or copy it arrives by.
CREATE TABLE dashboard_events_seen (
    event_id UUID NOT NULL,
    CONSTRAINT pk_dashboard_events_seen PRIMARY KEY (event_id)
);

-- Inbox: one row per conversation: chat:<session>, voice:<call>, email:<user>/<thread>.
CREATE TABLE dashboard_conversations (
    conversation_id VARCHAR(600) NOT NULL,
    workspace_id    VARCHAR(255),
    channel         VARCHAR(8)   NOT NULL,
    contact         TEXT,
    started_at      TIMESTAMP WITH TIME ZONE,
    last_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    last_message    TEXT,
    last_message_at TIMESTAMP WITH TIME ZONE,
    last_from       VARCHAR(16),
    messages        INTEGER      NOT NULL DEFAULT 0,
    flagged         INTEGER      NOT NULL DEFAULT 0,
    blocked         INTEGER      NOT NULL DEFAULT 0,
    ended           BOOLEAN      NOT NULL DEFAULT FALSE,
    answered        BOOLEAN      NOT NULL DEFAULT FALSE,
    escalated       BOOLEAN      NOT NULL DEFAULT FALSE,
    CONSTRAINT pk_dashboard_conversations PRIMARY KEY (conversation_id),
    CONSTRAINT ck_dashboard_conversations_channel CHECK (channel IN ('chat', 'voice', 'email'))
);

CREATE INDEX ix_dashboard_conversations_workspace ON dashboard_conversations (workspace_id, last_at DESC);

-- Whose workspace a mailbox's mail is (GmailConnected), and which thread a mail is in (EmailReceived):
-- both arrive on the user's partition of donna.email.events before the mail and decisions they explain.
CREATE TABLE dashboard_mailboxes (
    user_id      VARCHAR(255) NOT NULL,
    workspace_id VARCHAR(255),
    CONSTRAINT pk_dashboard_mailboxes PRIMARY KEY (user_id)
);

CREATE TABLE dashboard_mails (
    user_id          VARCHAR(255) NOT NULL,
    gmail_message_id VARCHAR(255) NOT NULL,
    thread_id        VARCHAR(255) NOT NULL,
    CONSTRAINT pk_dashboard_mails PRIMARY KEY (user_id, gmail_message_id)
);

-- Secretary: what customers asked the business for, and where staff have got with it.
CREATE TABLE dashboard_secretary_items (
    action_id         UUID         NOT NULL,
    workspace_id      VARCHAR(255),
    user_id           VARCHAR(255) NOT NULL,
    kind              VARCHAR(128) NOT NULL,
    source            VARCHAR(16)  NOT NULL,
    conversation_id   VARCHAR(600),
    contact_name      TEXT,
    callback_number   TEXT,
    summary           TEXT,
    requested_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    delivery          VARCHAR(16)  NOT NULL,
    status            VARCHAR(16)  NOT NULL,
    status_changed_by VARCHAR(255),
    status_changed_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT pk_dashboard_secretary_items PRIMARY KEY (action_id),
    CONSTRAINT ck_dashboard_secretary_items_status CHECK (status IN ('new', 'in_progress', 'done'))
);

CREATE INDEX ix_dashboard_secretary_items_workspace ON dashboard_secretary_items (workspace_id, requested_at DESC);
CREATE INDEX ix_dashboard_secretary_items_conversation ON dashboard_secretary_items (conversation_id);
