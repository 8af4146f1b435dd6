-- email-processor's autopilot: the senders the abuse detector flagged, per mailbox (AbuseFlagged of source
-- EMAIL on donna.abuse.flags); autopilot answers none of their mail.
CREATE TABLE autopilot_flagged_senders (
    user_id    VARCHAR(255) NOT NULL,
    sender     VARCHAR(320) NOT NULL,
    flagged_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_autopilot_flagged_senders PRIMARY KEY (user_id, sender)
);
