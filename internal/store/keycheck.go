package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"serenade/internal/keyring"
)

// Key-check values (table master_key_checks, see keyring.CheckValue)
// decide whether a loaded master key version is the one the database was
// written with. A data key is wrapped only under a version whose loaded
// bytes open that version's check value; otherwise the write fails
// closed with keyring.ErrKeyCheck, before anything is stored. A check
// value is created only where the key is proven otherwise: for the new
// version inside the rotation that re-wraps every data key under it, and
// at start-up for the version in use once the key has opened the data
// keys it wraps (a fresh database, or one from before check values).

// verifiedKeys remembers the bytes each version was last verified with,
// so a wrap costs no query until the keyring loads other bytes for that
// version (a reload after the key file changed): those are verified again.
type verifiedKeys struct {
	mu   sync.Mutex
	keys map[uint32]keyring.Key
}

func (c *verifiedKeys) has(v uint32, mk keyring.Key) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[v]
	return ok && k == mk
}

func (c *verifiedKeys) add(v uint32, mk keyring.Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[uint32]keyring.Key{}
	}
	c.keys[v] = mk
}

// verifier returns the check keyring.WrapChecked runs on the exact key it
// is about to wrap with, reading check values through q.
func (db *DB) verifier(ctx context.Context, q querier) func(uint32, keyring.Key) error {
	return func(v uint32, mk keyring.Key) error {
		if db.verified.has(v, mk) {
			return nil
		}
		check, err := storedCheck(ctx, q, v)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("master key version %d has no check value in the database: %w", v, keyring.ErrKeyCheck)
		}
		if err != nil {
			return err
		}
		if err := keyring.VerifyCheck(mk, v, check); err != nil {
			return fmt.Errorf("%w: the key source holds other bytes for this version than the database was written with", err)
		}
		db.verified.add(v, mk)
		return nil
	}
}

// wrap wraps dek under master version v after verifying v's key.
// A version missing from the key source cannot be verified either: that
// is keyring.ErrKeyCheck too (the write is refused as unavailable, like a
// wrong key, not failed as an internal error).
func (db *DB) wrap(ctx context.Context, q querier, v uint32, dek keyring.Key) ([]byte, error) {
	w, err := db.keys.WrapChecked(v, dek, db.verifier(ctx, q))
	if errors.Is(err, keyring.ErrOpen) && !errors.Is(err, keyring.ErrKeyCheck) {
		return nil, fmt.Errorf("%w (%w)", err, keyring.ErrKeyCheck)
	}
	return w, err
}

// verifyLoaded verifies the loaded key of version v against its check value.
func (db *DB) verifyLoaded(ctx context.Context, q querier, v uint32) error {
	mk, err := db.keys.Master(v)
	if err != nil {
		return fmt.Errorf("%w (%w)", err, keyring.ErrKeyCheck)
	}
	return db.verifier(ctx, q)(v, mk)
}

// requireVerifiedKey fails closed unless the loaded key of the version
// in use matches its check value; it holds that version against a
// rotation until tx ends.
func (db *DB) requireVerifiedKey(ctx context.Context, tx *sql.Tx) error {
	v, err := db.masterVersion(ctx, tx)
	if err != nil {
		return err
	}
	return db.verifyLoaded(ctx, tx, v)
}

// ensureCheck stores the check value of version v, sealed by the loaded
// key, unless the database has one already, and then verifies the loaded
// key against what is stored (two processes may race to create it).
// Callers prove the key first (see the comment at the top).
func (db *DB) ensureCheck(ctx context.Context, q querier, v uint32) error {
	mk, err := db.keys.Master(v)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO master_key_checks (version, check_value, created_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING`,
		v, keyring.CheckValue(mk, v), db.now().UTC()); err != nil {
		return err
	}
	return db.verifier(ctx, q)(v, mk)
}

// adoptMasterVersion gives the version in use a check value at start-up
// if it has none: the loaded key must first open a data key wrapped under
// it (none exist in a fresh database).
func (db *DB) adoptMasterVersion(ctx context.Context, tx *sql.Tx) error {
	v, err := db.masterVersion(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := storedCheck(ctx, tx, v); !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var wrapped []byte
	err = tx.QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE master_version = $1 ORDER BY id LIMIT 1`, v).Scan(&wrapped)
	if err == nil {
		_, err = db.keys.Unwrap(v, wrapped)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return db.ensureCheck(ctx, tx, v)
}

// verifySource refuses a key source holding a version with other bytes
// than the check value the database stored for it.
func (db *DB) verifySource(ctx context.Context, q querier) error {
	checks, err := storedChecks(ctx, q)
	if err != nil {
		return err
	}
	for v, mk := range db.keys.Versions() {
		if check, ok := checks[v]; ok {
			if err := keyring.VerifyCheck(mk, v, check); err != nil {
				return err
			}
			db.verified.add(v, mk)
		}
	}
	return nil
}

func storedCheck(ctx context.Context, q querier, v uint32) ([]byte, error) {
	var check []byte
	err := q.QueryRowContext(ctx, `SELECT check_value FROM master_key_checks WHERE version = $1`, v).Scan(&check)
	return check, err
}

// storedChecks returns every version's check value.
func storedChecks(ctx context.Context, q querier) (map[uint32][]byte, error) {
	type row struct {
		v     uint32
		check []byte
	}
	rows, err := queryAll(ctx, q, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.v, &r.check)
	}, `SELECT version, check_value FROM master_key_checks`)
	if err != nil {
		return nil, err
	}
	out := make(map[uint32][]byte, len(rows))
	for _, r := range rows {
		out[r.v] = r.check
	}
	return out, nil
}

// highestChecked is the highest version that ever had a check value: a
// rotation allocates above it, so a version number is never reused.
func highestChecked(ctx context.Context, q querier) (uint32, error) {
	var v uint32
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM master_key_checks`).Scan(&v)
	return v, err
}
