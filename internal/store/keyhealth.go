package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"serenade/internal/keyring"
)

// ErrMasterKeys says the master keys this process can load are not the
// ones the database uses (a version is missing, or holds other bytes than
// its check value): a restart would fail, reads of the affected patients
// fail already, and writes that need a new data key are refused.
var ErrMasterKeys = errors.New("the master keys are not the ones this database uses")

// CheckMasterKeys loads the master key source afresh (as a restart would)
// and verifies the master keys themselves, not data keys: every version
// the database uses (the one new data keys are wrapped under, and every
// one a data key references) must be in the source, and every version of
// the source that has a check value must open it. It costs one read of
// the source, two small queries and one AEAD open per version. A
// rotation between reading the source and the database can make one
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
	var used []uint32
	var checks map[uint32][]byte
	err = db.inReadTx(ctx, "check master keys", func(tx *sql.Tx) error {
		used, err = queryAll(ctx, tx, func(s scanner) (uint32, error) {
			var v uint32
			return v, s.Scan(&v)
		}, `SELECT master_version FROM keyring_state UNION SELECT DISTINCT master_version FROM data_keys`)
		if err != nil {
			return err
		}
		checks, err = storedChecks(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("check master keys: %w", err)
	}
	loaded := slices.Sorted(maps.Keys(keys))
	for _, v := range used {
		if _, ok := keys[v]; !ok {
			return fmt.Errorf("%w: the database uses master key version %d, which is not in the key source (versions %v)", ErrMasterKeys, v, loaded)
		}
		if _, ok := checks[v]; !ok {
			return fmt.Errorf("%w: master key version %d is in use but has no check value", ErrMasterKeys, v)
		}
	}
	for _, v := range loaded {
		if check, ok := checks[v]; ok {
			if err := keyring.VerifyCheck(keys[v], v, check); err != nil {
				return fmt.Errorf("%w: the key source holds other bytes for master key version %d than the database was written with (wrong key file?)", ErrMasterKeys, v)
			}
		}
	}
	return nil
}

// KeyProblems is signalled when a data key failed to open even after the
// master keys were re-read (see keyring.Keyring.Problems).
func (db *DB) KeyProblems() <-chan struct{} { return db.keys.Problems() }
