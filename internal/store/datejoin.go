package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SaveDateJoin replaces the enrolment date of a patient still in the
// study. check is given the installation's collection start (nil before
// installation) under the patient's lock, so the service's coherence rule
// sees the dates a concurrent ticket close may be writing.
func (db *DB) SaveDateJoin(ctx context.Context, id int64, day time.Time, check func(collectionStart *time.Time) error) error {
	return db.inTx(ctx, "save date of joining", func(tx *sql.Tx) error {
		if _, _, err := db.livePatientForUpdate(ctx, tx, id); err != nil {
			return err
		}
		var start sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT collection_start FROM installations WHERE patient_id = $1`, id).Scan(&start)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := check(timePtr(start)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE patients SET date_join = $1, updated_at = $2 WHERE id = $3`, day, db.now().UTC(), id)
		if err != nil {
			return err
		}
		return db.refreshHeads(ctx, tx, id) // the lists' enrolment-date heads
	})
}
