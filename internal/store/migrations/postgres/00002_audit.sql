-- +goose Up
-- The audit trail: append-only, each entry hash-chained to the previous.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL,
    actor_subject  TEXT NOT NULL,
    actor_username TEXT NOT NULL,
    roles          TEXT NOT NULL,
    action         TEXT NOT NULL,
    operation      TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_ref   TEXT NOT NULL,
    resource_audit TEXT NOT NULL,
    patient        TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    status         INTEGER NOT NULL,
    request_id     TEXT NOT NULL,
    trace_id       TEXT NOT NULL,
    client_addr    TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_username, seq);

-- The chain's head, updated in the same transaction as the entries:
-- writers lock it to append, and verify compares the chain's end with it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\x'::bytea);

-- Append-only, also for anyone with SQL access who does not first drop
-- this trigger (the hash chain catches those who do).
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_head;
DROP TABLE audit_log;
