-- +goose Up
-- Sensor data (SPEC §7). A stream is one channel of an installation; its
-- readings are keyed by (stream, time) so that a re-sent reading is the
-- same row; rollups hold min, max, sum and count per stream, tier and
-- bucket, written in the readings' transaction. Times are milliseconds
-- since the Unix epoch (UTC): compact, and the same on both backends.
CREATE TABLE streams (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('motion', 'contact', 'power', 'energy', 'temperature', 'humidity', 'presence', 'pressure', 'other')),
    unit            TEXT NOT NULL,
    cadence_s       INTEGER NOT NULL CHECK (cadence_s >= 0),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (installation_id, key)
);

-- One row per reading, clustered on its key (no rowid): what is read
-- together (one stream over a range) is stored together.
CREATE TABLE readings (
    stream_id INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    at_ms     BIGINT NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (stream_id, at_ms)
) WITHOUT ROWID;

-- tier is the bucket width in seconds (60, 3600, 86400); bucket_ms the
-- bucket's start.
CREATE TABLE rollups (
    stream_id INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    tier      INTEGER NOT NULL,
    bucket_ms BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    total     REAL NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    PRIMARY KEY (stream_id, tier, bucket_ms)
) WITHOUT ROWID;

-- Ingest tokens: the secret is kept as its SHA-256 only; public_id finds
-- the row. revoked_at set means refused for ever.
CREATE TABLE ingest_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    public_id       TEXT NOT NULL UNIQUE,
    secret_sha256   BLOB NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP,
    revoked_at      TIMESTAMP
);
CREATE INDEX ingest_tokens_installation ON ingest_tokens (installation_id);

-- +goose Down
DROP TABLE ingest_tokens;
DROP TABLE rollups;
DROP TABLE readings;
DROP TABLE streams;
