-- +goose Up
-- At most one open ticket per category on an installation. The ticket
-- rules (in the service layer) already refuse a second one; this index is
-- the backstop that holds whatever path a write takes.
CREATE UNIQUE INDEX tickets_one_open ON tickets (installation_id, category) WHERE closed_at IS NULL;

-- +goose Down
DROP INDEX tickets_one_open;
