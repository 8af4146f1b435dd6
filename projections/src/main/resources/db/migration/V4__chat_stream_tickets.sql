-- Single-use, short-lived tickets that open a session's reply stream from a browser's EventSource, which
-- cannot send an Authorization header. Written and redeemed by ingress-api (DELETE ... RETURNING, so a
-- ticket opens one stream on any instance, once). Only the session's owner is given one. Only the hex
-- SHA-256 of each ticket is kept. Not a projection.
CREATE TABLE chat_stream_tickets (
    ticket_sha256   CHAR(64)     NOT NULL,
    session_id      UUID         NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_chat_stream_tickets PRIMARY KEY (ticket_sha256)
);

CREATE INDEX ix_chat_stream_tickets_expiry ON chat_stream_tickets (expires_at);
