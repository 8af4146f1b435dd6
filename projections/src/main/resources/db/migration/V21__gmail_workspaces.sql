-- The workspace a mailbox belongs to: that of the member who connected it, decided when they started
-- connecting (ingress-api's gmail_oauth_states), kept by email-processor with the connection, and projected
-- from GmailConnected. NULL: connected before workspaces, the default workspace's.
ALTER TABLE gmail_oauth_states ADD COLUMN workspace_id VARCHAR(255);
ALTER TABLE gmail_connections ADD COLUMN workspace_id VARCHAR(255);
ALTER TABLE gmail_mailboxes ADD COLUMN workspace_id VARCHAR(255);
