-- Which door an admin change came through: api (a token), web (a console session), or none (the
-- gateway itself). The shared store's audit_events gets the same column in its version 6.
ALTER TABLE audit_events ADD COLUMN via VARCHAR(10);
