-- +goose Up
-- What the lists sort and filter by, stored so that every order is read
-- by an index and a LIMIT instead of derived for every patient at every
-- page: the installation's status (domain.DeriveStatus of its tickets;
-- '' for a patient without an installation) and its last activity (the
-- time of its newest ticket message; NULL when there is none). Both are
-- written in the transaction of every change that moves them (enrolment,
-- every ticket workflow, withdrawal) by the statement below, which the
-- store repeats per patient (store/activity.go).
ALTER TABLE patients ADD COLUMN status TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN last_activity TIMESTAMPTZ;

UPDATE patients SET
    status = COALESCE((SELECT CASE
        WHEN COUNT(i.id) = 0 THEN ''
        WHEN SUM(CASE WHEN t.closed_at IS NULL AND t.category = 'uninstallation' THEN 1 ELSE 0 END) > 0 THEN 'uninstalling'
        WHEN SUM(CASE WHEN t.closed_at IS NULL AND t.category = 'installation' THEN 1 ELSE 0 END) > 0 THEN 'to_install'
        WHEN SUM(CASE WHEN t.closed_at IS NULL AND t.category = 'maintenance' THEN 1 ELSE 0 END) > 0 THEN 'maintenance'
        WHEN SUM(CASE WHEN t.closed_at IS NOT NULL AND t.category = 'uninstallation' THEN 1 ELSE 0 END) > 0 THEN 'inactive'
        WHEN SUM(CASE WHEN t.closed_at IS NOT NULL AND t.category = 'installation' THEN 1 ELSE 0 END) > 0 THEN 'working'
        ELSE 'unknown' END
        FROM installations i LEFT JOIN tickets t ON t.installation_id = i.id WHERE i.patient_id = patients.id), ''),
    last_activity = (SELECT m.created_at FROM ticket_messages m
        JOIN tickets t ON t.id = m.ticket_id JOIN installations i ON i.id = t.installation_id
        WHERE i.patient_id = patients.id ORDER BY m.id DESC LIMIT 1);

-- The work queue's derived values, per ticket, written with every
-- message and closing (store/activity.go): the newest of opening, newest
-- message and closing, the thread's size and its newest sender.
ALTER TABLE tickets ADD COLUMN last_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN last_sender TEXT;
UPDATE tickets SET
    message_count = (SELECT COUNT(*) FROM ticket_messages m WHERE m.ticket_id = tickets.id),
    last_sender = (SELECT m.sender FROM ticket_messages m WHERE m.ticket_id = tickets.id ORDER BY m.id DESC LIMIT 1);
UPDATE tickets SET last_at = opened_at;
UPDATE tickets SET last_at = (SELECT m.created_at FROM ticket_messages m WHERE m.ticket_id = tickets.id ORDER BY m.id DESC LIMIT 1)
    WHERE EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = tickets.id AND m.created_at > tickets.last_at);
UPDATE tickets SET last_at = closed_at WHERE closed_at IS NOT NULL AND closed_at > last_at;

-- Per-role sort keys of the rows roles without ids see, so their lists
-- too are ordered in SQL: for each pseudonym role, each patient's and
-- installation's row carries the patient's nickname in that role
-- (folded) and the role's tiebreaker of the row (a keyed hash, never the
-- role's pseudonym), each ticket's its tiebreaker. The store computes
-- them from the server key whenever a patient's names are sealed
-- (enrolment, identity change, withdrawal) and a ticket opened; rows of
-- a database of before this migration are filled at the next start
-- (store/sortkeys.go). Nothing here joins two roles: each row is one
-- role's.
CREATE TABLE sort_keys (
    role       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         BIGINT NOT NULL,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    nickname   TEXT COLLATE "C" NOT NULL,
    tag        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (role, kind, id)
);
CREATE INDEX sort_keys_order ON sort_keys (role, kind, nickname, tag);
CREATE INDEX sort_keys_patient ON sort_keys (patient_id);

-- One index per order of the lists; each ends with the id, the
-- tiebreaker of callers who see ids.
CREATE INDEX patients_date_join ON patients (date_join, id);
CREATE INDEX patients_status ON patients (status, id);
CREATE INDEX patients_last_activity ON patients (last_activity, id);

-- +goose Down
DROP TABLE sort_keys;
ALTER TABLE tickets DROP COLUMN last_sender;
ALTER TABLE tickets DROP COLUMN message_count;
ALTER TABLE tickets DROP COLUMN last_at;
DROP INDEX patients_last_activity;
DROP INDEX patients_status;
DROP INDEX patients_date_join;
ALTER TABLE patients DROP COLUMN last_activity;
ALTER TABLE patients DROP COLUMN status;
