-- +goose Up
-- The revision of the patients' sealed identities (store/namesort.go): a
-- counter that every statement inserting, deleting or re-sealing a
-- patient bumps in its own transaction, by trigger, so no write path can
-- forget it. A server process keeps the folded names it opened for the
-- doctors' order by surname and reuses them while the revision it reads
-- in a list's snapshot is the one they were opened at. It holds a
-- number, nothing about any patient.
CREATE TABLE identity_revision (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT INTO identity_revision (id, rev) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER patients_revision_insert AFTER INSERT ON patients
BEGIN
    UPDATE identity_revision SET rev = rev + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER patients_revision_delete AFTER DELETE ON patients
BEGIN
    UPDATE identity_revision SET rev = rev + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER patients_revision_reseal AFTER UPDATE OF sealed ON patients
BEGIN
    UPDATE identity_revision SET rev = rev + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER patients_revision_reseal;
DROP TRIGGER patients_revision_delete;
DROP TRIGGER patients_revision_insert;
DROP TABLE identity_revision;
