-- Where each projector has got to: the next offset to read, per topic partition. Written in the same
-- transaction as the rows a batch produced, so rows and position can never disagree.
CREATE TABLE projector_offsets (
    projector   VARCHAR(100) NOT NULL,
    topic       VARCHAR(249) NOT NULL,
    kafka_partition INTEGER  NOT NULL,
    next_offset BIGINT       NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_projector_offsets PRIMARY KEY (projector, topic, kafka_partition)
);

-- A chat conversation; its owner is the user who wrote its first message. Written once: the latest
-- activity is read from chat_messages' (session_id, occurred_at) index instead of updated per message.
CREATE TABLE chat_sessions (
    session_id      UUID         NOT NULL,
    owner_user_id   VARCHAR(255) NOT NULL,
    anonymous       BOOLEAN      NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_chat_sessions PRIMARY KEY (session_id)
);

-- Every turn of every chat session, user and assistant. event_id is kept for audit; it needs no unique
-- index because the projector's offsets already make each event land once (and message_id is unique).
CREATE TABLE chat_messages (
    message_id  UUID         NOT NULL,
    session_id  UUID         NOT NULL,
    user_id     VARCHAR(255) NOT NULL,
    role        VARCHAR(16)  NOT NULL,
    body        TEXT         NOT NULL,
    event_id    UUID         NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_chat_messages PRIMARY KEY (message_id),
    CONSTRAINT ck_chat_messages_role CHECK (role IN ('user', 'assistant'))
);

CREATE INDEX ix_chat_messages_session_time ON chat_messages (session_id, occurred_at, message_id);
