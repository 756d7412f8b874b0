-- An organization's push protection setting: whether pushes carrying a token of this gateway are
-- refused. Enabled for every organization, as for new ones; users' rows leave it null.
ALTER TABLE accounts ADD COLUMN push_protection VARCHAR(10);

UPDATE accounts SET push_protection = 'enabled' WHERE type = 'Organization';
