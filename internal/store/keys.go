package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

// Data key purposes.
const (
	purposePatient   = "patient"
	purposeIndex     = "blind-index"
	purposePseudonym = "pseudonym"
	purposeSigning   = "token-signing"
)

// loadSystemKeys creates the system keys on first start and unwraps
// them; a wrong master key fails here, loudly.
func (db *DB) loadSystemKeys(ctx context.Context) error {
	if err := db.finishRotation(ctx); err != nil {
		return err
	}
	err := db.inTx(ctx, "load system keys", func(tx *sql.Tx) error {
		if err := db.verifySource(ctx, tx); err != nil {
			return err
		}
		if err := db.adoptMasterVersion(ctx, tx); err != nil {
			return err
		}
		var err error
		if db.indexKey, err = db.systemKey(ctx, tx, purposeIndex); err != nil {
			return err
		}
		if db.pseudonymKey, err = db.systemKey(ctx, tx, purposePseudonym); err != nil {
			return err
		}
		db.signingSeed, err = db.systemKey(ctx, tx, purposeSigning)
		return err
	})
	if err == nil {
		// A rotation a withdrawal left due: a failure here does not stop
		// the start (the keys open everything); readiness reports it and
		// it is retried.
		_, _ = db.RotateIfDue(ctx)
	}
	if errors.Is(err, keyring.ErrKeyCheck) {
		return fmt.Errorf("the master key does not match this database: a version holds other bytes than the database was written with (wrong or replaced key file, or wrong SERENADE_MASTER_KEY?); restore the right keys: %w", err)
	}
	if errors.Is(err, keyring.ErrOpen) {
		return fmt.Errorf("the master key does not open this database's keys (wrong SERENADE_MASTER_KEY or key file?): %w", err)
	}
	return err
}

func (db *DB) systemKey(ctx context.Context, tx *sql.Tx, purpose string) (keyring.Key, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM data_keys WHERE purpose = $1`, purpose).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		_, k, err := db.newDataKey(ctx, tx, purpose)
		return k, err
	}
	if err != nil {
		return keyring.Key{}, err
	}
	return db.dataKey(ctx, tx, id)
}

// masterVersion reads the version new data keys must be wrapped under,
// locking it against a concurrent rotation until the transaction ends.
func (db *DB) masterVersion(ctx context.Context, q querier) (uint32, error) {
	var v uint32
	err := q.QueryRowContext(ctx, `SELECT master_version FROM keyring_state WHERE id = 1`+db.dialect.forShare).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		v = db.keys.CurrentVersion()
		_, err = q.ExecContext(ctx, `INSERT INTO keyring_state (id, master_version) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, v)
		if err == nil {
			return db.masterVersion(ctx, q)
		}
	}
	return v, err
}

// newDataKey creates, wraps and stores a fresh data key. The master
// key it is wrapped under must match its version's check value, or the
// write fails closed (keyring.ErrKeyCheck) with nothing stored.
func (db *DB) newDataKey(ctx context.Context, tx *sql.Tx, purpose string) (int64, keyring.Key, error) {
	k, err := keyring.NewKey()
	if err != nil {
		return 0, k, err
	}
	v, err := db.masterVersion(ctx, tx)
	if err != nil {
		return 0, k, err
	}
	wrapped, err := db.wrap(ctx, tx, v, k)
	if err != nil {
		return 0, k, err
	}
	var id int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO data_keys (purpose, master_version, wrapped, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		purpose, v, wrapped, db.now().UTC()).Scan(&id)
	return id, k, err
}

// dataKey loads and unwraps a data key.
func (db *DB) dataKey(ctx context.Context, q querier, id int64) (keyring.Key, error) {
	var v uint32
	var wrapped []byte
	err := q.QueryRowContext(ctx, `SELECT master_version, wrapped FROM data_keys WHERE id = $1`, id).Scan(&v, &wrapped)
	if err != nil {
		return keyring.Key{}, fmt.Errorf("data key %d: %w", id, err)
	}
	return db.keys.Unwrap(v, wrapped)
}

// sealJSON seals a value as JSON under k.
func sealJSON(k keyring.Key, label string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return k.Seal(label, b), nil
}

// openJSON opens a sealed JSON value; failure is an error, never a zero value.
func openJSON(k keyring.Key, label string, sealed []byte, v any) error {
	b, err := k.Open(label, sealed)
	if err != nil {
		return fmt.Errorf("open %s: %w", label, err)
	}
	return json.Unmarshal(b, v)
}

// cfIndex is the blind index of a codice fiscale.
func (db *DB) cfIndex(cf string) []byte {
	return keyring.BlindIndex(db.indexKey, "codice_fiscale", cf)
}

// domainNotFound reports a missing resource. Messages never carry
// internal ids: they reach callers who see only pseudonyms.
func domainNotFound(what string) error {
	return domain.NotFound("%s not found", what)
}
