-- Each completed response of a call, once: a direct (WebRTC) client that reports the same response again
-- sends the same event id, and the call's response count and token usage are read from these rows, so a
-- repeated report counts once. Replaces the running totals V6 kept on voice_sessions.
CREATE TABLE voice_responses (
    event_id         UUID         NOT NULL,
    voice_session_id UUID         NOT NULL,
    response_id      VARCHAR(128) NOT NULL,
    input_tokens     INTEGER,
    output_tokens    INTEGER,
    latency_ms       BIGINT,
    occurred_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_voice_responses PRIMARY KEY (event_id)
);

CREATE INDEX ix_voice_responses_session ON voice_responses (voice_session_id);

ALTER TABLE voice_sessions DROP COLUMN responses;
ALTER TABLE voice_sessions DROP COLUMN input_tokens;
ALTER TABLE voice_sessions DROP COLUMN output_tokens;
