-- Human takeover of a live chat: staff replies are turns of their own in a session's history, and the
-- inbox shows who has a conversation while the assistant is silent.
ALTER TABLE chat_messages DROP CONSTRAINT ck_chat_messages_role;
ALTER TABLE chat_messages ADD CONSTRAINT ck_chat_messages_role CHECK (role IN ('user', 'assistant', 'staff'));

ALTER TABLE dashboard_conversations ADD COLUMN taken_over_by VARCHAR(255);
