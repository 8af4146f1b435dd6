-- The workspace each call and each request belongs to. NULL: from before workspaces, the default
-- workspace's. voice_session_owners is ingress-api's (claimed when it mints a call's token); voice_sessions
-- and actions are projected from VoiceSessionStarted and ActionRequested.
ALTER TABLE voice_session_owners ADD COLUMN workspace_id VARCHAR(255);
ALTER TABLE voice_sessions ADD COLUMN workspace_id VARCHAR(255);
ALTER TABLE actions ADD COLUMN workspace_id VARCHAR(255);
