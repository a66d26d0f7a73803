-- +goose Up
-- Every list order is an index range (docs/design.md, "Stored heads of
-- the list orders"). Roles that do not see ids are shown times cut to
-- their precision and their lists sort by the cut time, then by their
-- nickname and sort tag of the row: the cut values are stored here, per
-- precision, on each role's sort-key row, one index per head serving
-- (role, kind, head, nickname, tag) as the keyset reads it. Heads are
-- text whose ascending order is the list's: start_* is the row's start
-- (a patient's enrolment date, a ticket's opening) cut to the day,
-- quarter or year; *_rev_* are newest-first heads, each digit d stored
-- as 9-d (so ascending text is descending time) and '~' for none (last):
-- start_rev_* the start, last_rev_* the last activity (a patient's or an
-- installation's newest ticket message or reading; a ticket's newest of
-- opening, message and closing). The store writes them in the
-- transaction that moves the time (store/listheads.go).

ALTER TABLE sort_keys ADD COLUMN status TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_day TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_quarter TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_year TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_rev_hour TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_rev_day TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_rev_quarter TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN start_rev_year TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN last_rev_hour TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN last_rev_day TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN last_rev_quarter TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sort_keys ADD COLUMN last_rev_year TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX sort_keys_status ON sort_keys (role, kind, status, nickname, tag);
CREATE INDEX sort_keys_start_day ON sort_keys (role, kind, start_day, nickname, tag);
CREATE INDEX sort_keys_start_quarter ON sort_keys (role, kind, start_quarter, nickname, tag);
CREATE INDEX sort_keys_start_year ON sort_keys (role, kind, start_year, nickname, tag);
CREATE INDEX sort_keys_start_rev_hour ON sort_keys (role, kind, start_rev_hour, nickname, tag);
CREATE INDEX sort_keys_start_rev_day ON sort_keys (role, kind, start_rev_day, nickname, tag);
CREATE INDEX sort_keys_start_rev_quarter ON sort_keys (role, kind, start_rev_quarter, nickname, tag);
CREATE INDEX sort_keys_start_rev_year ON sort_keys (role, kind, start_rev_year, nickname, tag);
CREATE INDEX sort_keys_last_rev_hour ON sort_keys (role, kind, last_rev_hour, nickname, tag);
CREATE INDEX sort_keys_last_rev_day ON sort_keys (role, kind, last_rev_day, nickname, tag);
CREATE INDEX sort_keys_last_rev_quarter ON sort_keys (role, kind, last_rev_quarter, nickname, tag);
CREATE INDEX sort_keys_last_rev_year ON sort_keys (role, kind, last_rev_year, nickname, tag);

-- The heads are computed from the server key's rows in Go: the rows are
-- dropped here and written again, heads and all, when the store next
-- opens (store/sortkeys.go, fillSortKeys).
DELETE FROM sort_keys;

-- A patient's last activity is the newest of its installation's newest
-- ticket message and newest stored reading: last_reading keeps the
-- latter (written by the ingest, once per batch, only when it grows).
-- activity_rev is the doctors' head of the order by last activity: the
-- exact time newest first ('~' for none; written with the sort keys), so
-- that order too is an index range.
ALTER TABLE patients ADD COLUMN last_reading TIMESTAMPTZ;
ALTER TABLE patients ADD COLUMN activity_rev TEXT COLLATE "C" NOT NULL DEFAULT '~';
UPDATE patients SET last_reading = (SELECT to_timestamp(MAX(r.at_ms) / 1000.0) FROM readings r
    JOIN streams s ON s.id = r.stream_id JOIN installations i ON i.id = s.installation_id WHERE i.patient_id = patients.id);
UPDATE patients SET last_activity = last_reading
    WHERE last_reading IS NOT NULL AND (last_activity IS NULL OR last_activity < last_reading);
DROP INDEX patients_last_activity;
CREATE INDEX patients_activity ON patients (activity_rev, id);

-- The work queue of callers who see ids (exact times), newest first.
CREATE INDEX tickets_last_at ON tickets (last_at, id);
CREATE INDEX tickets_opened_at ON tickets (opened_at, id);

-- +goose Down
DROP INDEX tickets_opened_at;
DROP INDEX tickets_last_at;
DROP INDEX patients_activity;
CREATE INDEX patients_last_activity ON patients (last_activity, id);
ALTER TABLE patients DROP COLUMN activity_rev;
ALTER TABLE patients DROP COLUMN last_reading;
DROP INDEX sort_keys_last_rev_year;
DROP INDEX sort_keys_last_rev_quarter;
DROP INDEX sort_keys_last_rev_day;
DROP INDEX sort_keys_last_rev_hour;
DROP INDEX sort_keys_start_rev_year;
DROP INDEX sort_keys_start_rev_quarter;
DROP INDEX sort_keys_start_rev_day;
DROP INDEX sort_keys_start_rev_hour;
DROP INDEX sort_keys_start_year;
DROP INDEX sort_keys_start_quarter;
DROP INDEX sort_keys_start_day;
DROP INDEX sort_keys_status;
ALTER TABLE sort_keys DROP COLUMN last_rev_year;
ALTER TABLE sort_keys DROP COLUMN last_rev_quarter;
ALTER TABLE sort_keys DROP COLUMN last_rev_day;
ALTER TABLE sort_keys DROP COLUMN last_rev_hour;
ALTER TABLE sort_keys DROP COLUMN start_rev_year;
ALTER TABLE sort_keys DROP COLUMN start_rev_quarter;
ALTER TABLE sort_keys DROP COLUMN start_rev_day;
ALTER TABLE sort_keys DROP COLUMN start_rev_hour;
ALTER TABLE sort_keys DROP COLUMN start_year;
ALTER TABLE sort_keys DROP COLUMN start_quarter;
ALTER TABLE sort_keys DROP COLUMN start_day;
ALTER TABLE sort_keys DROP COLUMN status;
DELETE FROM sort_keys;
