-- email-processor's send ledger: each SendEmailRequested once (its job id), its state written before the
-- Gmail call (sending) and after it (sent or failed), so a restart that finds a job mid-send asks Gmail for
-- the Message-ID it set before sending again. Also the queue of sends: a job is due at next_attempt_at
-- (claimed with SKIP LOCKED, so one instance sends it), and an outcome not yet on the topic is published
-- again until it is.
CREATE TABLE email_send_ledger (
    job_id           UUID         NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    origin           VARCHAR(16)  NOT NULL,
    -- the SendEmailRequested, as its Avro bytes
    request          BYTEA        NOT NULL,
    -- the Message-ID the mail carries, searched for (rfc822msgid:) after a crash
    message_id       TEXT,
    state            VARCHAR(16)  NOT NULL,
    attempts         INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    gmail_message_id VARCHAR(255),
    thread_id        VARCHAR(255),
    last_error       TEXT,
    retryable        BOOLEAN,
    published        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_email_send_ledger PRIMARY KEY (job_id),
    CONSTRAINT ck_email_send_ledger_state CHECK (state IN ('pending', 'sending', 'sent', 'failed'))
);

CREATE INDEX ix_email_send_ledger_due ON email_send_ledger (next_attempt_at)
    WHERE state IN ('pending', 'sending') OR NOT published;
