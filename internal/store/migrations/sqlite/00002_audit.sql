-- +goose Up
-- The audit trail: append-only, each entry hash-chained to the previous.
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TIMESTAMP NOT NULL,
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
    prev_hash      BLOB NOT NULL,
    hash           BLOB NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_username, seq);

-- The chain's head, updated in the same transaction as the entries:
-- writers lock it to append, and verify compares the chain's end with it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, X'');

-- Append-only, also for anyone with SQL access who does not first drop
-- these triggers (the hash chain catches those who do).
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_head;
DROP TABLE audit_log;
