-- Workspaces, the businesses Donna works for, as the compacted donna.workspace says they stand now
-- (the projector keeps the latest record of each key; an older one changes nothing).
CREATE TABLE workspaces (
    workspace_id VARCHAR(255) NOT NULL,
    name         TEXT         NOT NULL,
    created_by   VARCHAR(255) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_workspaces PRIMARY KEY (workspace_id)
);

-- One row per user and workspace; a removed member keeps a row with role REMOVED, so a late, older
-- record of the same membership cannot bring them back.
CREATE TABLE workspace_members (
    workspace_id VARCHAR(255) NOT NULL,
    user_id      VARCHAR(255) NOT NULL,
    role         VARCHAR(16)  NOT NULL,
    changed_by   VARCHAR(255) NOT NULL,
    changed_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_workspace_members PRIMARY KEY (workspace_id, user_id),
    CONSTRAINT ck_workspace_members_role CHECK (role IN ('OWNER', 'STAFF', 'REMOVED', 'UNKNOWN'))
);

-- Who a signed-in user works for is asked on every request.
CREATE INDEX ix_workspace_members_user ON workspace_members (user_id) WHERE role IN ('OWNER', 'STAFF');

CREATE TABLE workspace_personas (
    workspace_id  VARCHAR(255) NOT NULL,
    business_name TEXT         NOT NULL,
    hours         TEXT         NOT NULL,
    services      TEXT         NOT NULL,
    tone          TEXT         NOT NULL,
    instructions  TEXT         NOT NULL,
    updated_by    VARCHAR(255) NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_workspace_personas PRIMARY KEY (workspace_id)
);

-- The workspace a chat session belongs to, decided when it is claimed (ingress-api) and projected from
-- ChatSessionStarted. NULL: a session from before workspaces, which belongs to the default workspace.
ALTER TABLE chat_session_owners ADD COLUMN workspace_id VARCHAR(255);
ALTER TABLE chat_sessions ADD COLUMN workspace_id VARCHAR(255);
