-- When each token was last used, in a narrow table of its own. The gateway writes it for every
-- active token once a minute: updating the wide tokens row instead rewrote the whole row and every
-- index of the table each time (in H2 an UPDATE removes and re-adds the row in all indexes), which
-- made the last-used flush a large share of the embedded store's work under load.
-- No foreign key: the writer inserts only for existing tokens (and tokens are never hard-deleted).
CREATE TABLE token_last_used (
    token_id     BIGINT PRIMARY KEY,
    last_used_at TIMESTAMP WITH TIME ZONE NOT NULL
);

INSERT INTO token_last_used (token_id, last_used_at)
    SELECT id, last_used_at FROM tokens WHERE last_used_at IS NOT NULL;

ALTER TABLE tokens DROP COLUMN last_used_at;
