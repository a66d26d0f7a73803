package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"serenade/internal/keyring"
)

// Master key rotation. Every rotator (a withdrawal, `serenade keys
// rotate`, a server finishing an interrupted rotation) and every pruner
// first takes the database's own lock: the keyring_state row FOR UPDATE
// on PostgreSQL, the single write lock of BEGIN IMMEDIATE on SQLite.
// Under it they re-read the key source and the versions the data keys
// use, so no decision rests on a process's remembered copy of the keys.

// RotateMasterKey creates a new master key version, re-wraps every data
// key under it in one transaction and then destroys the versions nothing
// uses any more. The version is allocated under the rotators' lock, above
// every version in the key source and in the database. Readers keep
// working throughout: until the commit they unwrap with the old version,
// after it with the new one (the keyring re-reads its source when it
// meets a version it has not loaded). Only sources that can be written
// (the key file) rotate here; see RewrapAll for keys in the environment.
func (db *DB) RotateMasterKey(ctx context.Context) (uint32, error) {
	var v uint32
	err := db.inTx(ctx, "rotate master key", func(tx *sql.Tx) error {
		state, err := db.lockKeyringState(ctx, tx)
		if err != nil {
			return err
		}
		v, err = db.rotateLocked(ctx, tx, state)
		return err
	})
	if err != nil {
		return 0, err
	}
	return v, db.PruneMasterKeys(ctx)
}

// rotateLocked is RotateMasterKey's transaction, under the rotators'
// lock (state is the version in use).
func (db *DB) rotateLocked(ctx context.Context, tx *sql.Tx, state uint32) (uint32, error) {
	if err := db.verifyCurrent(ctx, tx, state); err != nil {
		return 0, err
	}
	used, err := highestReferenced(ctx, tx)
	if err != nil {
		return 0, err
	}
	checked, err := highestChecked(ctx, tx)
	if err != nil {
		return 0, err
	}
	v, err := db.keys.AddVersion(state, used, checked)
	if err != nil {
		return 0, err
	}
	return v, db.rewrapUnder(ctx, tx, v)
}

// RewrapAll re-wraps every data key under master version to (which the
// keyring must hold), in one transaction. The data itself is not
// re-encrypted. It refuses to go back below the version in use.
func (db *DB) RewrapAll(ctx context.Context, to uint32) error {
	return db.inTx(ctx, "rewrap all", func(tx *sql.Tx) error {
		state, err := db.lockKeyringState(ctx, tx)
		if err != nil {
			return err
		}
		if to < state {
			return fmt.Errorf("re-wrap under master key version %d: the database already uses version %d", to, state)
		}
		return db.rewrapUnder(ctx, tx, to)
	})
}

// PruneMasterKeys destroys, in the key source, the versions that no data
// key and not keyring_state uses, deciding in a transaction that holds
// the rotators' lock, after re-reading the source. Versions above the one
// in use belong to a rotation that did not commit: they are kept, so a
// version number is never handed out twice, and the next start finishes
// that rotation. A read-only source (environment) is left alone. The
// rotations due (see markRotationDue) that the prune completed are
// cleared in the same transaction.
func (db *DB) PruneMasterKeys(ctx context.Context) error {
	err := db.inTx(ctx, "prune master keys", func(tx *sql.Tx) error {
		state, err := db.lockKeyringState(ctx, tx)
		if err != nil {
			return err
		}
		used, err := referencedVersions(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.keys.Prune(func(v uint32) bool { return v >= state || used[v] }); err != nil {
			return err
		}
		return clearRotationsDue(ctx, tx, state, used)
	})
	if errors.Is(err, keyring.ErrReadOnlySource) {
		return nil
	}
	return err
}

// finishRotation completes a rotation interrupted by a crash: the key
// source holds a version above the one in use (re-wrap to it), or still
// holds versions nothing uses (destroy them).
func (db *DB) finishRotation(ctx context.Context) error {
	err := db.inTx(ctx, "finish rotation", func(tx *sql.Tx) error {
		state, err := db.lockKeyringState(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.keys.Reload(); err != nil { // under the lock: no rotator is half-way
			return err
		}
		if hi := db.keys.Versions().Highest(); hi > state {
			return db.rewrapUnder(ctx, tx, hi)
		}
		return nil
	})
	if err == nil {
		err = db.PruneMasterKeys(ctx)
	}
	if err != nil {
		return fmt.Errorf("finish master key rotation: %w", err)
	}
	return nil
}

// lockKeyringState takes the lock every rotator and pruner shares and
// returns the master version new data keys are wrapped under. The row is
// created first without a lock (ON CONFLICT DO NOTHING), so that two
// rotators never both hold it FOR SHARE and then deadlock upgrading.
func (db *DB) lockKeyringState(ctx context.Context, tx *sql.Tx) (uint32, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO keyring_state (id, master_version) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
		db.keys.CurrentVersion()); err != nil {
		return 0, err
	}
	var v uint32
	err := tx.QueryRowContext(ctx, `SELECT master_version FROM keyring_state WHERE id = 1`+db.dialect.forUpdate).Scan(&v)
	return v, err
}

// verifyCurrent re-reads the key source (under the rotators' lock) and
// verifies the version in use against its check value, so a rotation
// with a wrong key file adds no version to it.
func (db *DB) verifyCurrent(ctx context.Context, tx *sql.Tx, state uint32) error {
	if err := db.keys.Reload(); err != nil {
		return err
	}
	return db.verifyLoaded(ctx, tx, state)
}

// rewrapUnder makes version to current and re-wraps every data key under
// it. A version without a check value gets one here, in the transaction
// that proves the older keys by unwrapping every data key.
func (db *DB) rewrapUnder(ctx context.Context, tx *sql.Tx, to uint32) error {
	if err := db.ensureCheck(ctx, tx, to); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE keyring_state SET master_version = $1 WHERE id = 1`, to); err != nil {
		return err
	}
	return db.rewrapRows(ctx, tx, to)
}

func (db *DB) rewrapRows(ctx context.Context, tx *sql.Tx, to uint32) error {
	type row struct {
		id      int64
		version uint32
		wrapped []byte
	}
	all, err := queryAll(ctx, tx, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.version, &r.wrapped)
	}, `SELECT id, master_version, wrapped FROM data_keys WHERE master_version <> $1`, to)
	if err != nil {
		return err
	}
	for _, r := range all {
		k, err := db.keys.Unwrap(r.version, r.wrapped)
		if err != nil {
			return err
		}
		w, err := db.wrap(ctx, tx, to, k)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET master_version = $1, wrapped = $2 WHERE id = $3`, to, w, r.id); err != nil {
			return err
		}
	}
	return nil
}

// highestReferenced is the highest master version a data key uses.
func highestReferenced(ctx context.Context, q querier) (uint32, error) {
	var v uint32
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(master_version), 0) FROM data_keys`).Scan(&v)
	return v, err
}

// referencedVersions is the set of master versions data keys use.
func referencedVersions(ctx context.Context, q querier) (map[uint32]bool, error) {
	vs, err := queryAll(ctx, q, func(s scanner) (uint32, error) {
		var v uint32
		return v, s.Scan(&v)
	}, `SELECT DISTINCT master_version FROM data_keys`)
	if err != nil {
		return nil, err
	}
	set := make(map[uint32]bool, len(vs))
	for _, v := range vs {
		set[v] = true
	}
	return set, nil
}
