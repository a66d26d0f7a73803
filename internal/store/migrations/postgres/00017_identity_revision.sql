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
    rev BIGINT NOT NULL
);
INSERT INTO identity_revision (id, rev) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION identity_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE identity_revision SET rev = rev + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER patients_identity_revision AFTER INSERT OR DELETE OR UPDATE OF sealed OR TRUNCATE ON patients
    FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();

-- +goose Down
DROP TRIGGER patients_identity_revision ON patients;
DROP FUNCTION identity_revision_bump();
DROP TABLE identity_revision;
