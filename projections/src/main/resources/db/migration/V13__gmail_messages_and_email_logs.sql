-- The inbox as the syncs saw it (EmailReceived on donna.email.events): one row per user and Gmail message,
-- newest first for GET /api/gmail/messages. A projection: rebuilt from the topic.
CREATE TABLE gmail_messages (
    user_id           VARCHAR(255) NOT NULL,
    gmail_message_id  VARCHAR(255) NOT NULL,
    thread_id         VARCHAR(255) NOT NULL,
    from_header       TEXT         NOT NULL,
    to_addresses      TEXT         NOT NULL,
    subject           TEXT         NOT NULL,
    snippet           TEXT         NOT NULL,
    received_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    label_ids         TEXT         NOT NULL,
    rfc822_message_id TEXT,
    automated         BOOLEAN      NOT NULL,
    CONSTRAINT pk_gmail_messages PRIMARY KEY (user_id, gmail_message_id)
);

CREATE INDEX ix_gmail_messages_newest ON gmail_messages (user_id, received_at DESC, gmail_message_id DESC);

-- Every email job's outcome (EmailSent, EmailFailed): what was sent, what failed and why, each attempt a
-- row. A projection: rebuilt from the topic.
CREATE TABLE email_logs (
    event_id         UUID         NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    job_id           UUID         NOT NULL,
    outcome          VARCHAR(16)  NOT NULL,
    at               TIMESTAMP WITH TIME ZONE NOT NULL,
    recipients       TEXT,
    subject          TEXT,
    gmail_message_id VARCHAR(255),
    thread_id        VARCHAR(255),
    origin           VARCHAR(32),
    reason           TEXT,
    retryable        BOOLEAN,
    CONSTRAINT pk_email_logs PRIMARY KEY (event_id)
);

CREATE INDEX ix_email_logs_newest ON email_logs (user_id, at DESC);
