package store

import (
	"context"
	"database/sql"
	"fmt"

	"serenade/internal/pseudonym"
	"serenade/internal/textfold"
)

// Stored values derived from patients' names by rules that live in code
// (table derived_versions, migration 00016): the blind index of searches
// is computed from names folded by textfold.Fold, the sort keys from the
// folded nickname of pseudonym's list. When those rules change (a letter
// Fold did not spell, a list without look-alike names) every stored value
// is stale; each kind records the version of the rules it was computed
// under, and Open recomputes a kind whose version is not the code's.
const (
	derivedSearchTokens = "search_tokens"
	derivedSortKeys     = "sort_keys"
)

// derivedVersions is the version, in this code, of each kind of derived
// value.
func derivedVersions() map[string]string {
	return map[string]string{
		derivedSearchTokens: "fold " + textfold.Version,
		derivedSortKeys:     pseudonym.NicknameVersion(),
	}
}

// recomputeDerived recomputes, in one transaction, each kind of derived
// value whose stored version differs from the code's, and records the
// code's. Once done it costs one query. Errors (a patient whose key
// cannot be opened) fail Open: a store must not serve searches or lists
// computed by other rules than its code's.
func (db *DB) recomputeDerived(ctx context.Context) error {
	return db.inTx(ctx, "recompute derived values", func(tx *sql.Tx) error {
		stored := map[string]string{}
		type row struct{ name, version string }
		rows, err := queryAll(ctx, tx, func(s scanner) (row, error) {
			var r row
			return r, s.Scan(&r.name, &r.version)
		}, `SELECT name, version FROM derived_versions`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			stored[r.name] = r.version
		}
		for name, version := range derivedVersions() {
			if stored[name] == version {
				continue
			}
			if err := db.recompute(ctx, tx, name); err != nil {
				return fmt.Errorf("recompute %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO derived_versions (name, version) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET version = excluded.version`, name, version); err != nil {
				return err
			}
		}
		return nil
	})
}

// recompute rewrites every stored value of one kind from the patients'
// names: the tokens of patients still searchable (in the study, identity
// sealed), the sort keys of every patient (from the names kept, none once
// shredded, as writeSortKeys is given them elsewhere).
func (db *DB) recompute(ctx context.Context, tx *sql.Tx, name string) error {
	where := ``
	if name == derivedSearchTokens {
		where = ` WHERE p.withdrawn_at IS NULL AND p.sealed IS NOT NULL`
	}
	rows, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+where+` ORDER BY p.id`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		p, err := db.decryptPatient(ctx, tx, r, nil)
		if err != nil {
			return err
		}
		if name == derivedSearchTokens {
			err = db.writeTokens(ctx, tx, p.ID, p.Identity)
		} else {
			err = db.writeSortKeys(ctx, tx, p.ID, p.Identity.FirstName, p.Identity.LastName)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
