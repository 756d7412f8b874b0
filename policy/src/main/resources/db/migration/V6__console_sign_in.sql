-- The web console's sign-in (schema version 5 is the Java migration TokensByLookupKey).
-- Portable SQL for H2 and PostgreSQL. No secret is stored: a password as its Argon2id hash (with
-- its parameters), a setup link and a session as the SHA-256 (hex) of their random value.

ALTER TABLE accounts ADD COLUMN email VARCHAR(254);

-- One password per user, for the console only (git and the API take tokens).
CREATE TABLE user_passwords (
    user_id    BIGINT       PRIMARY KEY REFERENCES accounts (id),
    hash       VARCHAR(200) NOT NULL,
    changed_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One-time links that let a user choose a password: valid until expires_at, usable once.
CREATE TABLE password_setup_links (
    digest     CHAR(64) PRIMARY KEY,
    user_id    BIGINT   NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX password_setup_links_user ON password_setup_links (user_id);

-- Console sessions, shared by every node of the store and kept across restarts. last_seen_at
-- drives the idle timeout, expires_at is the absolute one.
CREATE TABLE console_sessions (
    digest       CHAR(64) PRIMARY KEY,
    user_id      BIGINT   NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- Which door an admin change came through: api (a token), web (a console session), or none (the
-- gateway itself).
ALTER TABLE audit_events ADD COLUMN via VARCHAR(10);
