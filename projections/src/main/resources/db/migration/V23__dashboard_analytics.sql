-- Analytics: what each conversation amounted to per day, joined to its conversation (and so to its workspace
-- and channel) when read, so a fact counted before its conversation's start is known still lands right.
ALTER TABLE dashboard_conversations
    ADD COLUMN first_customer_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN model             VARCHAR(255);

-- figure: messages, replies, degraded, flag (label: risk category), autopilot (label: decision: reason),
-- input_tokens / output_tokens (label: model)
CREATE TABLE dashboard_facts (
    conversation_id VARCHAR(600) NOT NULL,
    day             DATE         NOT NULL,
    figure          VARCHAR(32)  NOT NULL,
    label           VARCHAR(255) NOT NULL DEFAULT '',
    n               BIGINT       NOT NULL,
    CONSTRAINT pk_dashboard_facts PRIMARY KEY (conversation_id, day, figure, label)
);

-- Every reply's time (the assistant's, autopilot's or staff's), for the time to first reply: the first
-- reply at or after the customer's first message, whatever order the two were read in.
CREATE TABLE dashboard_replies (
    event_id        UUID         NOT NULL,
    conversation_id VARCHAR(600) NOT NULL,
    at              TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_dashboard_replies PRIMARY KEY (event_id)
);

CREATE INDEX ix_dashboard_replies_conversation ON dashboard_replies (conversation_id, at);
