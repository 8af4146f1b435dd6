-- Voice calls (donna.voice.events): one row per call, filled in as its events arrive in any order.
CREATE TABLE voice_sessions (
    voice_session_id UUID         NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    model            VARCHAR(100),
    voice            VARCHAR(64),
    transport        VARCHAR(16),
    started_at       TIMESTAMP WITH TIME ZONE,
    ended_at         TIMESTAMP WITH TIME ZONE,
    duration_ms      BIGINT,
    end_reason       VARCHAR(32),
    error            TEXT,
    responses        INTEGER      DEFAULT 0 NOT NULL,
    input_tokens     BIGINT       DEFAULT 0 NOT NULL,
    output_tokens    BIGINT       DEFAULT 0 NOT NULL,
    tool_calls       INTEGER      DEFAULT 0 NOT NULL,
    CONSTRAINT pk_voice_sessions PRIMARY KEY (voice_session_id)
);

CREATE INDEX ix_voice_sessions_user_time ON voice_sessions (user_id, started_at);

-- Final transcripts of both sides of a call, redacted by the voice relay before they were published.
CREATE TABLE voice_transcripts (
    event_id         UUID         NOT NULL,
    voice_session_id UUID         NOT NULL,
    item_id          VARCHAR(128) NOT NULL,
    role             VARCHAR(16)  NOT NULL,
    text             TEXT         NOT NULL,
    occurred_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_voice_transcripts PRIMARY KEY (event_id)
);

CREATE INDEX ix_voice_transcripts_session_time ON voice_transcripts (voice_session_id, occurred_at);

-- What callers asked the business for (donna.actions) and how its delivery went.
CREATE TABLE actions (
    action_id    UUID         NOT NULL,
    user_id      VARCHAR(255) NOT NULL,
    kind         VARCHAR(128) NOT NULL,
    integration  VARCHAR(64)  NOT NULL,
    source       VARCHAR(16)  NOT NULL,
    source_id    VARCHAR(255),
    payload      TEXT         NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    attempts     INTEGER      DEFAULT 0 NOT NULL,
    last_error   TEXT,
    requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_actions PRIMARY KEY (action_id)
);

CREATE INDEX ix_actions_source ON actions (source_id);
CREATE INDEX ix_actions_user_time ON actions (user_id, requested_at);
