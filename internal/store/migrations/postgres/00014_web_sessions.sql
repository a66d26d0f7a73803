-- +goose Up
-- Sessions of the web UI. The browser's cookie carries 256 random bits;
-- only their SHA-256 is kept here, so a copy of the table logs nobody
-- in. A row holds the session's principal (subject, username, roles as a
-- comma-separated list, issuer), the per-session CSRF secret, the OIDC
-- ID token for RP-initiated logout (empty for local logins), and the
-- times that bound it: created (absolute expiry) and last seen (idle
-- expiry).
CREATE TABLE web_sessions (
    id_hash    BYTEA PRIMARY KEY,
    subject    TEXT NOT NULL,
    username   TEXT NOT NULL,
    roles      TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    csrf       BYTEA NOT NULL,
    id_token   TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_username ON web_sessions (username);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen);

-- +goose Down
DROP TABLE web_sessions;
