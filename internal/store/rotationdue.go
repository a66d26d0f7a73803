package store

import (
	"context"
	"database/sql"
	"fmt"

	"serenade/internal/domain"
)

// Rotations due. Destroying a patient's data key protects nothing while
// a backup's copy of it, wrapped under the master version in use, can
// still be opened with the key file: that version must be rotated away.
// The need is recorded (table master_key_rotations_due) in the very
// transaction that destroys the key, and the rotation is then tried at
// once, on every reload and key check, before the next write that wraps
// a new data key, and at start-up, until it is done. Only a key source
// the server can rewrite (a key file) is recorded: a master key given in
// the environment is rotated by the operator.

// markRotationDue records, inside tx, that the master version in use
// wrapped a data key tx destroys.
func (db *DB) markRotationDue(ctx context.Context, tx *sql.Tx) error {
	if !db.keys.Writable() {
		return nil
	}
	v, err := db.masterVersion(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO master_key_rotations_due (master_version, since) VALUES ($1, $2) ON CONFLICT (master_version) DO NOTHING`,
		v, db.now().UTC())
	return err
}

// RotationDue reports whether a rotation recorded by a withdrawal is
// still to be carried out.
func (db *DB) RotationDue(ctx context.Context) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM master_key_rotations_due`).Scan(&n)
	return n > 0, wrapOp("rotation due", err)
}

// RotateIfDue first erases the escrow entries of destroyed data keys
// (EraseEscrow), then carries out a recorded rotation: under the rotators' lock
// it rotates when a due version is still the one in use (another process
// may have rotated since), then prunes, which clears what is done. It
// returns whether a rotation is still due; a failure is wrapped in
// domain.ErrRotationPending.
func (db *DB) RotateIfDue(ctx context.Context) (bool, error) {
	if err := db.EraseEscrow(ctx); err != nil {
		return true, fmt.Errorf("%w: %w", domain.ErrRotationPending, err)
	}
	due, err := db.RotationDue(ctx)
	if err != nil || !due {
		return due, err
	}
	err = db.inTx(ctx, "rotate if due", func(tx *sql.Tx) error {
		state, err := db.lockKeyringState(ctx, tx)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM master_key_rotations_due WHERE master_version >= $1`, state).Scan(&n); err != nil || n == 0 {
			return err
		}
		_, err = db.rotateLocked(ctx, tx, state)
		return err
	})
	if err == nil {
		err = db.PruneMasterKeys(ctx)
	}
	if err != nil {
		return true, fmt.Errorf("%w: %w", domain.ErrRotationPending, err)
	}
	return db.RotationDue(ctx)
}

// clearRotationsDue forgets the due versions that are below the version
// in use and no longer used by any data key: the prune that calls it
// has just destroyed them in the key source.
func clearRotationsDue(ctx context.Context, tx *sql.Tx, state uint32, used map[uint32]bool) error {
	vs, err := queryAll(ctx, tx, func(s scanner) (uint32, error) {
		var v uint32
		return v, s.Scan(&v)
	}, `SELECT master_version FROM master_key_rotations_due WHERE master_version < $1`, state)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if used[v] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM master_key_rotations_due WHERE master_version = $1`, v); err != nil {
			return err
		}
	}
	return nil
}
