-- Rate-limit token buckets shared by every instance of a service (Bucket4j's PostgreSQL proxy manager,
-- platform's RateLimiters.shared), so N instances do not give a caller N times the limit. Written by the
-- services' request filters (ingress-api, and any service on this database), never by a projector, never
-- rebuilt from topics. id: service/policy/caller key; state: Bucket4j's serialized bucket, locked with
-- SELECT ... FOR UPDATE while a call is counted; expires_at: epoch milliseconds after which the bucket is
-- full again and the row may go (each instance sweeps expired rows once a minute).
CREATE TABLE rate_limit_buckets (
    id          VARCHAR(1024) NOT NULL,
    state       BYTEA,
    expires_at  BIGINT,
    CONSTRAINT pk_rate_limit_buckets PRIMARY KEY (id)
);

CREATE INDEX ix_rate_limit_buckets_expiry ON rate_limit_buckets (expires_at);
