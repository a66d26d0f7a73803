-- +goose Up
-- Sensor data (SPEC §7). A stream is one channel of an installation; its
-- readings are keyed by (stream, time) so that a re-sent reading is the
-- same row; rollups hold min, max, sum and count per stream, tier and
-- bucket, written in the readings' transaction. Times are milliseconds
-- since the Unix epoch (UTC): compact, and the same on both backends.
CREATE TABLE streams (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('motion', 'contact', 'power', 'energy', 'temperature', 'humidity', 'presence', 'pressure', 'other')),
    unit            TEXT NOT NULL,
    cadence_s       INTEGER NOT NULL CHECK (cadence_s >= 0),
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (installation_id, key)
);

-- Readings are range-partitioned by time, one partition per calendar
-- month (UTC), named readings_pYYYYMM. Partitions are created ahead by a
-- background worker and on demand by a write that needs one; a retention
-- setting (off by default) drops whole months.
CREATE TABLE readings (
    stream_id BIGINT NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    at_ms     BIGINT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (stream_id, at_ms)
) PARTITION BY RANGE (at_ms);

-- tier is the bucket width in seconds (60, 3600, 86400); bucket_ms the
-- bucket's start.
CREATE TABLE rollups (
    stream_id BIGINT NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    tier      INTEGER NOT NULL,
    bucket_ms BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    total     DOUBLE PRECISION NOT NULL,
    min       DOUBLE PRECISION NOT NULL,
    max       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (stream_id, tier, bucket_ms)
);

-- Ingest tokens: the secret is kept as its SHA-256 only; public_id finds
-- the row. revoked_at set means refused for ever.
CREATE TABLE ingest_tokens (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    public_id       TEXT NOT NULL UNIQUE,
    secret_sha256   BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX ingest_tokens_installation ON ingest_tokens (installation_id);

-- +goose Down
DROP TABLE ingest_tokens;
DROP TABLE rollups;
DROP TABLE readings;
DROP TABLE streams;
