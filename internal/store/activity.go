package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The lists order and filter by two derived values of a patient's
// installation, stored on the patient's row (migration 00012) so that
// each order is one index read with a LIMIT: the status
// (domain.DeriveStatus of the installation's tickets; "" for a patient
// without an installation) and the last activity (the newest of the
// newest ticket message's time and the newest reading's; NULL without
// either). refreshActivity recomputes both
// from the rows in the transaction of every change that can move them;
// the derivation is the migration's backfill, per patient. Readings
// move the last activity too (noteReading, on ingest; migration 00015).

// activityUpdate sets status and last_activity of the patient $1 from
// its installation's tickets and messages (a handful of rows).
const activityUpdate = `UPDATE patients SET
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
		WHERE i.patient_id = patients.id ORDER BY m.id DESC LIMIT 1)
	WHERE id = $1`

// newestMessageOf is the time of the newest message of the ticket row
// being updated.
const newestMessageOf = `(SELECT m.created_at FROM ticket_messages m WHERE m.ticket_id = tickets.id ORDER BY m.id DESC LIMIT 1)`

// ticketsUpdate sets the work queue's values of every ticket of the
// patient $1: the thread's size and newest sender, and the last activity
// (the newest of opening, newest message and closing).
const ticketsUpdate = `UPDATE tickets SET
	message_count = (SELECT COUNT(*) FROM ticket_messages m WHERE m.ticket_id = tickets.id),
	last_sender = (SELECT m.sender FROM ticket_messages m WHERE m.ticket_id = tickets.id ORDER BY m.id DESC LIMIT 1),
	last_at = CASE
		WHEN closed_at IS NOT NULL AND closed_at > COALESCE(` + newestMessageOf + `, opened_at) AND closed_at > opened_at THEN closed_at
		WHEN ` + newestMessageOf + ` > opened_at THEN ` + newestMessageOf + `
		ELSE opened_at END
	WHERE installation_id IN (SELECT id FROM installations WHERE patient_id = $1)`

// readingActivity moves the last activity of the patient $1 to its
// newest stored reading (last_reading, kept by the ingest) when that is
// newer than its newest ticket message.
const readingActivity = `UPDATE patients SET last_activity = last_reading
	WHERE id = $1 AND last_reading IS NOT NULL AND (last_activity IS NULL OR last_activity < last_reading)`

// refreshActivity recomputes the stored status and last activity of a
// patient (the newest of its newest ticket message and its newest
// reading), the work queue's values of its tickets and the heads of its
// sort keys, inside tx; a patient erased in tx is simply not found.
func (db *DB) refreshActivity(ctx context.Context, tx *sql.Tx, patientID int64) error {
	for _, q := range []string{activityUpdate, readingActivity, ticketsUpdate} {
		if _, err := tx.ExecContext(ctx, q, patientID); err != nil {
			return fmt.Errorf("list activity: %w", err)
		}
	}
	return db.refreshHeads(ctx, tx, patientID)
}
