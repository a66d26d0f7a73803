-- +goose Up
-- A list read names every patient it returned, in one entry: the entry's
-- set of patients is a child table, appended in the entry's transaction,
-- so that a patient's access history finds an entry by any of them through
-- an index. Entries record the canonical encoding their hash covers:
-- those written before this migration are format 1 (no patients), new
-- ones format 2 (the set of patients is hashed too). patients_listed is
-- the size of the entry's set, so queries report it without counting; verify
-- checks it against the rows.
ALTER TABLE audit_log ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN patients_listed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audit_patients (
    seq     INTEGER NOT NULL REFERENCES audit_log (seq),
    patient TEXT NOT NULL,
    PRIMARY KEY (seq, patient)
);
CREATE INDEX audit_patients_patient ON audit_patients (patient, seq);

-- Append-only like the entries it belongs to.
-- +goose StatementBegin
CREATE TRIGGER audit_patients_no_update BEFORE UPDATE ON audit_patients
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_patients_no_delete BEFORE DELETE ON audit_patients
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_patients_no_delete;
DROP TRIGGER audit_patients_no_update;
DROP TABLE audit_patients;
ALTER TABLE audit_log DROP COLUMN patients_listed;
ALTER TABLE audit_log DROP COLUMN format;
