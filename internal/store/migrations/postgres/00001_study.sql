-- +goose Up
-- Data keys: one per patient (purpose 'patient') plus system keys
-- ('blind-index', 'pseudonym'), each wrapped by a master key version kept
-- outside the database.
CREATE TABLE data_keys (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose        TEXT NOT NULL,
    master_version INTEGER NOT NULL,
    wrapped        BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX data_keys_system ON data_keys (purpose) WHERE purpose <> 'patient';

-- Serialises key rotation against writers that wrap new data keys.
CREATE TABLE keyring_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    master_version  INTEGER NOT NULL
);

-- Patients: identity and medical data live only in the sealed blob.
CREATE TABLE patients (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data_key_id  BIGINT REFERENCES data_keys (id),
    cf_index     BYTEA UNIQUE,
    sealed       BYTEA,
    date_join    DATE NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ
);

CREATE TABLE contacts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    sealed     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_patient ON contacts (patient_id);

CREATE TABLE installations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id       BIGINT NOT NULL UNIQUE REFERENCES patients (id) ON DELETE CASCADE,
    sealed           BYTEA,
    collection_start TIMESTAMPTZ,
    collection_end   TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE tickets (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    category        TEXT NOT NULL CHECK (category IN ('installation', 'maintenance', 'uninstallation')),
    opened_by       TEXT NOT NULL,
    opened_at       TIMESTAMPTZ NOT NULL,
    closed_by       TEXT,
    closed_at       TIMESTAMPTZ
);
CREATE INDEX tickets_installation ON tickets (installation_id);

CREATE TABLE ticket_messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    sender     TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id);

CREATE TABLE documents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    sealed_name     BYTEA NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    uploaded_by     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sealed_content  BYTEA NOT NULL
);
CREATE INDEX documents_installation ON documents (installation_id);

CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    roles         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ,
    demo          BOOLEAN NOT NULL DEFAULT FALSE
);

-- +goose Down
DROP TABLE accounts;
DROP TABLE documents;
DROP TABLE ticket_messages;
DROP TABLE tickets;
DROP TABLE installations;
DROP TABLE contacts;
DROP TABLE patients;
DROP TABLE keyring_state;
DROP TABLE data_keys;
