package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrMasterKeys says the master keys this process can load do not open
// the data keys the database uses: a restart would fail, and reads of
// the affected patients fail already.
var ErrMasterKeys = errors.New("the master keys cannot open the data keys in use")

// CheckMasterKeys loads the master key source afresh (as a restart would)
// and opens one data key of every master version the database uses; the
// version new data keys are wrapped under must be there too. It costs
// one read of the source, one grouped query and one unwrap per version.
// A rotation between reading the source and the database can make one
// pass fail spuriously, so a failing pass is repeated once.
func (db *DB) CheckMasterKeys(ctx context.Context) error {
	err := db.checkMasterKeysOnce(ctx)
	if errors.Is(err, ErrMasterKeys) {
		err = db.checkMasterKeysOnce(ctx)
	}
	return err
}

func (db *DB) checkMasterKeysOnce(ctx context.Context) error {
	keys, err := db.keys.Source().Load()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMasterKeys, err)
	}
	type sample struct {
		version uint32
		count   int64
		wrapped []byte
	}
	var samples []sample
	var state uint32
	err = db.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(master_version), 0) FROM keyring_state`).Scan(&state); err != nil {
			return err
		}
		samples, err = queryAll(ctx, tx, func(s scanner) (sample, error) {
			var x sample
			return x, s.Scan(&x.version, &x.count, &x.wrapped)
		}, `SELECT k.master_version, g.n, k.wrapped FROM data_keys k
			JOIN (SELECT MIN(id) AS id, COUNT(*) AS n FROM data_keys GROUP BY master_version) g ON g.id = k.id`)
		return err
	})
	if err != nil {
		return fmt.Errorf("check master keys: %w", err)
	}
	loaded := slices.Sorted(maps.Keys(keys))
	for _, x := range samples {
		if _, err := keys.Unwrap(x.version, x.wrapped); err != nil {
			return fmt.Errorf("%w: %d data keys are wrapped under master key version %d, which the key source (versions %v) does not open",
				ErrMasterKeys, x.count, x.version, loaded)
		}
	}
	if _, ok := keys[state]; state != 0 && !ok {
		return fmt.Errorf("%w: new data keys are wrapped under master key version %d, which is not in the key source (versions %v)",
			ErrMasterKeys, state, loaded)
	}
	return nil
}

// KeyProblems is signalled when a data key failed to open even after the
// master keys were re-read (see keyring.Keyring.Problems).
func (db *DB) KeyProblems() <-chan struct{} { return db.keys.Problems() }
