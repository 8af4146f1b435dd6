-- email-processor's record of the drafts it wrote, by job: a DraftReplyRequested read again finds its
-- draft made and publishes the same DraftCreated rather than write a second draft.
CREATE TABLE email_drafts (
    job_id           UUID         NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    gmail_message_id VARCHAR(255) NOT NULL,
    gmail_draft_id   VARCHAR(255),
    subject          TEXT         NOT NULL,
    body             TEXT         NOT NULL,
    model            VARCHAR(255),
    degraded         BOOLEAN      NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_email_drafts PRIMARY KEY (job_id)
);
