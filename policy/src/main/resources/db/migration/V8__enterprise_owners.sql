-- Enterprise owners: who may set an enterprise's token policy besides site administrators.
CREATE TABLE enterprise_owners (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    user_id       BIGINT NOT NULL REFERENCES accounts (id),
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (enterprise_id, user_id)
);
CREATE INDEX enterprise_owners_user ON enterprise_owners (user_id);

-- The owners' pages list an organization's requests by status in creation order, and filter them by
-- repository: both without reading every grant of the organization.
CREATE INDEX token_grants_org_created ON token_grants (org_id, status, created_at, id);
CREATE INDEX token_repositories_repo ON token_repositories (repo_id, token_id);
