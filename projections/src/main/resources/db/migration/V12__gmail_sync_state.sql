-- Where each connected mailbox's sync stands, kept by email-processor beside the connection: Gmail's
-- historyId the next incremental sync starts from (null: sync the initial window), when the mailbox is
-- next due (a claim moves it ahead, so two instances never sync one mailbox at once), and the failures in
-- a row that set its backoff.
ALTER TABLE gmail_connections
    ADD COLUMN history_id      BIGINT,
    ADD COLUMN next_sync_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    ADD COLUMN last_synced_at  TIMESTAMP WITH TIME ZONE,
    ADD COLUMN sync_failures   INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN last_sync_error TEXT;

CREATE INDEX ix_gmail_connections_next_sync_at ON gmail_connections (next_sync_at);
