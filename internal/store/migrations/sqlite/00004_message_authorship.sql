-- +goose Up
-- Whether a message was written by a role that does not see identity
-- (imt): such messages are shown to those roles as written, never
-- redacted, so their display cannot depend on the patient's identity.
-- Messages written before this column existed read as written by roles
-- that see identity and stay redacted.
ALTER TABLE ticket_messages ADD COLUMN written_blind BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE ticket_messages DROP COLUMN written_blind;
