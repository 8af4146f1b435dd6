-- Connected Gmail mailboxes: written by email-processor when it exchanges a user's code, never rebuilt from
-- topics (a refresh token must not live in a log). The refresh token is sealed (AES-256-GCM, the key's id
-- in the text) for gmail-refresh-token:<user id>, so a copied value opens for no one else.
CREATE TABLE gmail_connections (
    user_id              VARCHAR(255) NOT NULL,
    email_address        VARCHAR(320) NOT NULL,
    refresh_token_sealed TEXT         NOT NULL,
    scopes               TEXT         NOT NULL,
    connected_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    -- the GmailConnectRequested that made it: a job read again finds its connection made
    job_id               UUID         NOT NULL,
    CONSTRAINT pk_gmail_connections PRIMARY KEY (user_id)
);
