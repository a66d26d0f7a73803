package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"serenade/internal/keyring"
)

// Escrow erasure. A backup wraps each patient data key under that data
// key's escrow key (see Backup). When a data key is destroyed (withdrawal,
// and the shred when the kit is back), its escrow entry must go too, or a
// backup taken before would still open the patient. The need is recorded
// (escrow_erasures_due) in the transaction that destroys the key, and
// carried out by RotateIfDue, i.e. at once after the withdrawal commits,
// then with every retry of the master key rotation until it is done.

// destroyPatientKey deletes patient data key id inside tx and records
// that its escrow entry must be erased.
func (db *DB) destroyPatientKey(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM data_keys WHERE id = $1 AND purpose = $2`, id, purposePatient); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO escrow_erasures_due (data_key_id, since) VALUES ($1, $2) ON CONFLICT (data_key_id) DO NOTHING`,
		id, db.now().UTC())
	return err
}

// EscrowErasuresDue counts destroyed data keys whose escrow entry is
// still to be erased.
func (db *DB) EscrowErasuresDue(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM escrow_erasures_due`).Scan(&n)
	return n, wrapOp("escrow erasures due", err)
}

// EraseEscrow removes the escrow entries of destroyed data keys from the
// escrow file, then forgets them. The due rows are read while the file's
// lock is held, so a backup (which takes its snapshot under the same
// lock) either saw the data key gone or created its entry before this
// erasure removes it. Without an escrow file configured nothing is done
// and the rows stay for a process that has one.
func (db *DB) EraseEscrow(ctx context.Context) error {
	if db.escrow == nil {
		return nil
	}
	if n, err := db.EscrowErasuresDue(ctx); err != nil || n == 0 {
		return err
	}
	var ids []int64
	_, err := db.escrow.Update(func(stored keyring.EscrowKeys) (keyring.EscrowKeys, error) {
		var err error
		ids, err = queryAll(ctx, db.read, func(s scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		}, `SELECT data_key_id FROM escrow_erasures_due`)
		for _, id := range ids {
			delete(stored, keyring.EscrowDataKey(id))
		}
		return stored, err
	})
	if err != nil {
		return fmt.Errorf("erase escrow keys of destroyed data keys: %w", err)
	}
	return db.inTx(ctx, "escrow erased", func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM escrow_erasures_due WHERE data_key_id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// escrowEntry names the escrow key that wraps a data key of purpose.
func escrowEntry(id int64, purpose string) string {
	if purpose == purposePatient {
		return keyring.EscrowDataKey(id)
	}
	return keyring.EscrowSystem
}

// escrowDataKeys reads every data key in tx, which must not have read
// anything yet (its snapshot starts here), while the escrow file's lock
// is held; creates the escrow entries that are missing and returns the
// data keys wrapped under them. A data key destroyed after the snapshot
// has its entry erased after this returns (EraseEscrow waits for the
// lock), so the backup's copy of it opens nothing once that ran.
func (db *DB) escrowDataKeys(ctx context.Context, tx *sql.Tx) (map[int64][]byte, error) {
	if db.escrow == nil {
		return nil, errors.New("no escrow key file configured: backups need one (SERENADE_ESCROW_FILE)")
	}
	var out map[int64][]byte
	_, err := db.escrow.Update(func(stored keyring.EscrowKeys) (keyring.EscrowKeys, error) {
		var err error
		out, err = db.rewrapForEscrow(ctx, tx, stored)
		return stored, err
	})
	return out, err
}

// rewrapForEscrow unwraps each data key with the master key and wraps it
// under its escrow entry, adding fresh entries to stored as needed. It
// returns the escrow-wrapped bytes by data key id.
func (db *DB) rewrapForEscrow(ctx context.Context, tx *sql.Tx, stored keyring.EscrowKeys) (map[int64][]byte, error) {
	type row struct {
		id      int64
		purpose string
		version uint32
		wrapped []byte
	}
	rows, err := queryAll(ctx, tx, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.purpose, &r.version, &r.wrapped)
	}, `SELECT id, purpose, master_version, wrapped FROM data_keys`)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]byte, len(rows))
	for _, r := range rows {
		dek, err := db.keys.Unwrap(r.version, r.wrapped)
		if err != nil {
			return nil, err
		}
		entry := escrowEntry(r.id, r.purpose)
		ek, ok := stored[entry]
		if !ok {
			if ek, err = keyring.NewKey(); err != nil {
				return nil, err
			}
			stored[entry] = ek
		}
		out[r.id] = keyring.WrapEscrow(ek, entry, dek)
	}
	return out, nil
}
