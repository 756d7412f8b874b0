-- A fine-grained token's ref_patterns (the refs a push with it may update, newline-separated;
-- null = any ref), and the end of an approval given for a limited time (null = no end). The
-- reviewer's end is cleared whenever the grant leaves the approved state.
ALTER TABLE tokens ADD COLUMN ref_patterns VARCHAR(8500);

ALTER TABLE token_grants ADD COLUMN approval_expires_at TIMESTAMP WITH TIME ZONE;

-- The periodic scan for lapsed approvals asks for approved grants with an end.
CREATE INDEX token_grants_approval_end ON token_grants (status, approval_expires_at);
