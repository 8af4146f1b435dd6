-- email-processor's autopilot state (written by email-processor only):
-- the settings in force per user, as read from the compacted donna.settings.autopilot;
CREATE TABLE autopilot_settings_in_force (
    user_id     VARCHAR(255) NOT NULL,
    settings    BYTEA        NOT NULL, -- the AutopilotSettings record, as its Avro bytes
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_autopilot_settings_in_force PRIMARY KEY (user_id)
);

-- each mail's decision, once (a mail read again is decided the same way);
CREATE TABLE autopilot_ledger (
    user_id          VARCHAR(255) NOT NULL,
    gmail_message_id VARCHAR(255) NOT NULL,
    decision         VARCHAR(16)  NOT NULL,
    reason           TEXT         NOT NULL,
    job_id           UUID,
    -- a REPLY's reply is sent at once (auto-send) rather than left as a draft
    send_at_once     BOOLEAN      NOT NULL,
    decided_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_autopilot_ledger PRIMARY KEY (user_id, gmail_message_id)
);

-- the caps' counters (day:<date>, sender:<address>:<date>, thread:<id>), taken in the decision's transaction;
CREATE TABLE autopilot_caps (
    user_id VARCHAR(255) NOT NULL,
    scope   VARCHAR(600) NOT NULL,
    used    INTEGER      NOT NULL,
    CONSTRAINT pk_autopilot_caps PRIMARY KEY (user_id, scope)
);

-- the threads a person answered (EmailSent by the user), which autopilot leaves alone.
CREATE TABLE autopilot_threads_answered (
    user_id   VARCHAR(255) NOT NULL,
    thread_id VARCHAR(255) NOT NULL,
    CONSTRAINT pk_autopilot_threads_answered PRIMARY KEY (user_id, thread_id)
);

-- Read models (projections): each user's autopilot settings, and every decision with its reason.
CREATE TABLE autopilot_settings (
    user_id                VARCHAR(255) NOT NULL,
    mode                   VARCHAR(16)  NOT NULL,
    max_replies_per_day    INTEGER      NOT NULL,
    max_replies_per_sender INTEGER      NOT NULL,
    max_replies_per_thread INTEGER      NOT NULL,
    quiet_hours_start      VARCHAR(5),
    quiet_hours_end        VARCHAR(5),
    time_zone              VARCHAR(64)  NOT NULL,
    allowed_senders        TEXT         NOT NULL,
    blocked_senders        TEXT         NOT NULL,
    signature              TEXT,
    updated_at             TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_autopilot_settings PRIMARY KEY (user_id)
);

CREATE TABLE autopilot_decisions (
    event_id         UUID         NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    gmail_message_id VARCHAR(255) NOT NULL,
    decision         VARCHAR(16)  NOT NULL,
    reasons          TEXT         NOT NULL,
    job_id           UUID,
    decided_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_autopilot_decisions PRIMARY KEY (event_id)
);

CREATE INDEX ix_autopilot_decisions_newest ON autopilot_decisions (user_id, decided_at DESC, event_id DESC);
CREATE INDEX ix_autopilot_decisions_message ON autopilot_decisions (user_id, gmail_message_id);
