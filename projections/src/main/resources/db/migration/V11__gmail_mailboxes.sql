-- Each user's Gmail mailbox as the events tell it (donna.email.events): connected, or disconnected and
-- whether Google's grant was revoked. A projection: rebuilt from the topic, no secret in it.
CREATE TABLE gmail_mailboxes (
    user_id       VARCHAR(255) NOT NULL,
    email_address VARCHAR(320),
    status        VARCHAR(16)  NOT NULL,
    scopes        TEXT         NOT NULL,
    connected_at  TIMESTAMP WITH TIME ZONE,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked       BOOLEAN,
    note          TEXT,
    CONSTRAINT pk_gmail_mailboxes PRIMARY KEY (user_id)
);
