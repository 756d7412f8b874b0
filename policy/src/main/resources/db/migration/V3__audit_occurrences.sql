-- Allowed reads are recorded as one row per token, repository, client and minute with a count.
ALTER TABLE audit_events ADD COLUMN occurrences INT DEFAULT 1 NOT NULL;
