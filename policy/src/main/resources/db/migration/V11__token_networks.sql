-- Networks a token may be used from (its allowed_networks, canonical CIDR blocks separated by
-- spaces; null = anywhere), and an organization's conditions on the lists of fine-grained tokens
-- that target it: whether one is required, and the networks every such list must sit inside.
ALTER TABLE tokens ADD COLUMN allowed_networks VARCHAR(2000);

ALTER TABLE accounts ADD COLUMN require_token_networks BOOLEAN DEFAULT FALSE NOT NULL;

ALTER TABLE accounts ADD COLUMN token_networks VARCHAR(2000);
