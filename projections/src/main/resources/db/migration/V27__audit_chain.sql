-- The audit trail: every event kept forever, one row each, in a hash chain (projections' AuditProjection;
-- donna audit verify walks it). Rows are only ever appended; the head is the chain's last row, written with
-- each batch under a row lock so batches append one after the other.
CREATE TABLE audit_log (
    seq             BIGINT       NOT NULL,
    topic           VARCHAR(255) NOT NULL,
    kafka_partition INTEGER      NOT NULL,
    kafka_offset    BIGINT       NOT NULL,
    event_id        UUID,
    event_type      VARCHAR(255) NOT NULL,
    occurred_at     TIMESTAMP WITH TIME ZONE,
    payload         TEXT         NOT NULL,
    prev_hash       CHAR(64)     NOT NULL,
    hash            CHAR(64)     NOT NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (seq)
);

-- chain_id names this chain in its anchors on donna.ops.audit.
CREATE TABLE audit_chain_head (
    id       INTEGER  NOT NULL,
    seq      BIGINT   NOT NULL,
    hash     CHAR(64) NOT NULL,
    chain_id UUID     NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT pk_audit_chain_head PRIMARY KEY (id),
    CONSTRAINT ck_audit_chain_head_one CHECK (id = 1)
);

INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
