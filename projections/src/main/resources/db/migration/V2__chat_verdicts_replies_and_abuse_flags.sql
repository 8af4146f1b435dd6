-- Chat history now comes from donna.chat.screened (user turns with their verdict) and donna.chat.replies
-- (assistant turns), so rows carry the verdict and, for replies, how they were produced.
ALTER TABLE chat_messages ADD COLUMN verdict VARCHAR(8);
ALTER TABLE chat_messages ADD COLUMN reply_to UUID;
ALTER TABLE chat_messages ADD COLUMN degraded BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE chat_messages ADD COLUMN model VARCHAR(100);
ALTER TABLE chat_messages ADD COLUMN llm_latency_ms BIGINT;
ALTER TABLE chat_messages ADD COLUMN input_tokens INTEGER;
ALTER TABLE chat_messages ADD COLUMN output_tokens INTEGER;

-- Flagged and blocked content, with redacted evidence only (never a full card number or secret).
CREATE TABLE abuse_flags (
    flag_id             UUID         NOT NULL,
    user_id             VARCHAR(255) NOT NULL,
    anonymous           BOOLEAN      NOT NULL,
    source              VARCHAR(16)  NOT NULL,
    session_id          VARCHAR(64)  NOT NULL,
    message_id          VARCHAR(255),
    decision            VARCHAR(8)   NOT NULL,
    categories          VARCHAR(255) NOT NULL,
    reasons             TEXT         NOT NULL,
    triggering_event_id UUID         NOT NULL,
    occurred_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_abuse_flags PRIMARY KEY (flag_id)
);

CREATE INDEX ix_abuse_flags_user_time ON abuse_flags (user_id, occurred_at);
