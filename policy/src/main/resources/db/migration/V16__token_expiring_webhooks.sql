-- The personal_access_token webhook event, action expiring (issue 19). Portable SQL for H2 and
-- PostgreSQL.
--
-- A delivery about a token rather than a token request names it (token_id; redeliveries of such an
-- event name it too, so deleting the token takes them along). An expiry reminder's delivery also
-- says which reminder it is: the stage (7_days, 1_day, expired) and the expiry it is about. The
-- unique key makes it one row per hook, token, stage and expiry, however many nodes scan and
-- however often; other rows leave token_stage NULL and are not constrained by it.
ALTER TABLE webhook_deliveries ADD COLUMN token_id BIGINT REFERENCES tokens (id);
ALTER TABLE webhook_deliveries ADD COLUMN token_stage VARCHAR(10);
ALTER TABLE webhook_deliveries ADD COLUMN token_expires_at TIMESTAMP WITH TIME ZONE;
CREATE UNIQUE INDEX webhook_deliveries_token_stage
    ON webhook_deliveries (hook_id, token_id, token_stage, token_expires_at);
CREATE INDEX webhook_deliveries_token ON webhook_deliveries (token_id);
