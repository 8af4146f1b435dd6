-- Gmail connections under way: one row per GET /api/gmail/oauth/start, consumed once by the callback.
-- Written by ingress-api, never rebuilt from topics. The state itself is not stored, only its SHA-256, so
-- this table cannot be used to finish someone's connection; nor the browser's cookie (its hash binds the
-- state to the browser that started it), nor the PKCE verifier in clear (sealed with the secrets key).
CREATE TABLE gmail_oauth_states (
    state_hash      VARCHAR(64)  NOT NULL,
    user_id         VARCHAR(255) NOT NULL,
    browser_hash    VARCHAR(64)  NOT NULL,
    verifier_sealed TEXT         NOT NULL,
    redirect_uri    TEXT         NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at         TIMESTAMP WITH TIME ZONE,
    CONSTRAINT pk_gmail_oauth_states PRIMARY KEY (state_hash)
);

CREATE INDEX ix_gmail_oauth_states_created ON gmail_oauth_states (created_at);
