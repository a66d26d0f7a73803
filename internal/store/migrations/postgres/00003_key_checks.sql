-- +goose Up
-- One key-check value per master key version: the version's key seals a
-- fixed text naming the version. Nothing is wrapped under a version whose
-- loaded key does not open its check value (a wrong key file with the
-- right version number). Rows are never changed; versions are never reused.
CREATE TABLE master_key_checks (
    version     INTEGER PRIMARY KEY CHECK (version > 0),
    check_value BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE master_key_checks;
