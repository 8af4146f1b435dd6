-- A draft that is sent at once (an autopilot reply) keeps where it goes, so a job read again after a crash
-- between saving the draft and publishing its send can publish that send. Rows written before this have
-- none and are not sent again (they were from a version that published the send in the same step).
ALTER TABLE email_drafts
    ADD COLUMN reply_to  TEXT,
    ADD COLUMN thread_id VARCHAR(255);
