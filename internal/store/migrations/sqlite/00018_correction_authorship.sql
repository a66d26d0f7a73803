-- +goose Up
-- Whether a correction's reason was written by a role that does not see
-- identity (imt): like a ticket message's (00004), such a reason is shown
-- to those roles as written, never redacted, so that what its author
-- reads back cannot depend on the patient's identity. Reasons written
-- before this column existed read as written by roles that see identity
-- and stay redacted: who wrote them is a user whose roles may have
-- changed since, and a blind reader was already shown them redacted.
ALTER TABLE collection_corrections ADD COLUMN written_blind BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE collection_corrections DROP COLUMN written_blind;
