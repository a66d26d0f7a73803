-- +goose Up
-- Blind index of what doctors search and filter patients by, whose
-- values are sealed in patients.sealed: one row per keyed HMAC token of a
-- folded name word, of a whole folded name, or of the diagnosis class
-- (store/search.go). The key is a system data key wrapped by the master
-- key, never stored in clear. Rows are replaced when the identity is, and
-- deleted at withdrawal (and with the patient).
CREATE TABLE patient_tokens (
    token      BYTEA NOT NULL,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    PRIMARY KEY (token, patient_id)
);
CREATE INDEX patient_tokens_patient ON patient_tokens (patient_id);

-- +goose Down
DROP TABLE patient_tokens;
