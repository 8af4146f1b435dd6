-- Who owns each chat session, decided on the write path: ingress-api claims a session for its caller
-- (INSERT ... ON CONFLICT DO NOTHING) before it publishes anything for it, so the primary key settles two
-- first messages racing for one new session id, at once and for good. Not a projection: written by
-- ingress-api, never rebuilt from topics. A visitor (anonymous = true) and a signed-in user never match,
-- even if the user's subject looks like a visitor's.
CREATE TABLE chat_session_owners (
    session_id      UUID         NOT NULL,
    owner_user_id   VARCHAR(255) NOT NULL,
    anonymous       BOOLEAN      NOT NULL,
    claimed_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_chat_session_owners PRIMARY KEY (session_id)
);

-- Sessions opened before this table existed keep the owner the read model gave them.
INSERT INTO chat_session_owners (session_id, owner_user_id, anonymous, claimed_at)
SELECT session_id, owner_user_id, anonymous, created_at FROM chat_sessions;
