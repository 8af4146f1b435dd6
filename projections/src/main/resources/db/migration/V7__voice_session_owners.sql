-- Who owns each voice session a client reports on itself (the direct WebRTC path): ingress-api claims a
-- new id for its caller when it mints the voice token, and accepts reported events only for the owner's
-- sessions. Not a projection: written by ingress-api, never rebuilt from topics. Calls through the relay
-- are the relay's own and need no claim.
CREATE TABLE voice_session_owners (
    voice_session_id UUID         NOT NULL,
    owner_user_id    VARCHAR(255) NOT NULL,
    anonymous        BOOLEAN      NOT NULL,
    claimed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_voice_session_owners PRIMARY KEY (voice_session_id)
);
