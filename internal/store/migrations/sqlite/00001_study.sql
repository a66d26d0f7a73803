-- +goose Up
-- Data keys: one per patient (purpose 'patient') plus system keys
-- ('blind-index', 'pseudonym'), each wrapped by a master key version kept
-- outside the database.
CREATE TABLE data_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose        TEXT NOT NULL,
    master_version INTEGER NOT NULL,
    wrapped        BLOB NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX data_keys_system ON data_keys (purpose) WHERE purpose <> 'patient';

-- Serialises key rotation against writers that wrap new data keys.
CREATE TABLE keyring_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    master_version  INTEGER NOT NULL
);

-- Patients: identity and medical data live only in the sealed blob.
CREATE TABLE patients (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    data_key_id  INTEGER REFERENCES data_keys (id),
    cf_index     BLOB UNIQUE,
    sealed       BLOB,
    date_join    DATE NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    sealed     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_patient ON contacts (patient_id);

CREATE TABLE installations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id       INTEGER NOT NULL UNIQUE REFERENCES patients (id) ON DELETE CASCADE,
    sealed           BLOB,
    collection_start TIMESTAMP,
    collection_end   TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    category        TEXT NOT NULL CHECK (category IN ('installation', 'maintenance', 'uninstallation')),
    opened_by       TEXT NOT NULL,
    opened_at       TIMESTAMP NOT NULL,
    closed_by       TEXT,
    closed_at       TIMESTAMP
);
CREATE INDEX tickets_installation ON tickets (installation_id);

CREATE TABLE ticket_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    sender     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id);

CREATE TABLE documents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    sealed_name     BLOB NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    uploaded_by     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    sealed_content  BLOB NOT NULL
);
CREATE INDEX documents_installation ON documents (installation_id);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    roles         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    disabled_at   TIMESTAMP,
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
