-- Notification mails a user may turn off (issue 19): the daily digest of pending token requests
-- sent to organization owners, and the reminders of a token's coming or past expiry. Both are on
-- until the user turns them off in the console. Approvals, denials and revocations are always sent.
ALTER TABLE accounts ADD COLUMN digest_mail BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE accounts ADD COLUMN expiry_mail BOOLEAN NOT NULL DEFAULT TRUE;
-- The reminder scan's question: which live tokens expire around now.
CREATE INDEX tokens_expires ON tokens (expires_at);
