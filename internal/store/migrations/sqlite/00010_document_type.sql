-- +goose Up
-- What a document is, chosen at upload (map, signed-form, photo, other).
-- Documents uploaded before types existed are "other", the type of an
-- upload that names none.
ALTER TABLE documents ADD COLUMN doc_type TEXT NOT NULL DEFAULT 'other'
    CHECK (doc_type IN ('map', 'signed-form', 'photo', 'other'));

-- +goose Down
ALTER TABLE documents DROP COLUMN doc_type;
