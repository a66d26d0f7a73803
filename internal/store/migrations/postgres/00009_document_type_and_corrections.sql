-- +goose Up
-- What a document is, chosen at upload (map, signed-form, photo, other).
-- Documents uploaded before types existed are "other", the type of an
-- upload that names none.
ALTER TABLE documents ADD COLUMN doc_type TEXT NOT NULL DEFAULT 'other'
    CHECK (doc_type IN ('map', 'signed-form', 'photo', 'other'));

-- Corrections of an installation's data-collection dates: who, when, the
-- dates before and after, and the reason, sealed under the patient's data
-- key (free text that may name the patient). Erased with the documents
-- when the patient withdraws.
CREATE TABLE collection_corrections (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    corrected_by    TEXT NOT NULL,
    corrected_at    TIMESTAMPTZ NOT NULL,
    old_start       TIMESTAMPTZ,
    old_end         TIMESTAMPTZ,
    new_start       TIMESTAMPTZ,
    new_end         TIMESTAMPTZ,
    sealed_reason   BYTEA NOT NULL
);
CREATE INDEX collection_corrections_installation ON collection_corrections (installation_id);

-- +goose Down
DROP TABLE collection_corrections;
ALTER TABLE documents DROP COLUMN doc_type;
