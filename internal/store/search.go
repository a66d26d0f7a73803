package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/textfold"
)

// The blind index of doctors' searches (table patient_tokens, migration
// 00010). Identity is sealed per patient, so the database cannot compare
// names; instead each patient has a set of tokens, each the HMAC-SHA-256
// under the blind-index system key (wrapped by the master key, never in
// the database in clear) of a purpose and a folded value:
//
//   - tokenWord: every word of the first name and of the last name,
//     folded (case, accents and apostrophes gone: "D'Amico" gives "d" and
//     "amico");
//   - tokenName: each whole name folded without its separators
//     ("damico", "derossi"), so a name typed without its space or
//     apostrophe matches as one word;
//   - both for each customary spelling of the names too
//     (textfold.Spellings: "Øvergård" is found as "Overgard", the fold,
//     and as "Overgaard");
//   - tokenClass: the diagnosis class, for the diagnosis-class filter.
//
// The codice fiscale keeps its own blind index (patients.cf_index).
// Matching is exact per token: no prefixes, which would tell an attacker
// far more (the length and shared beginnings of names).
const (
	tokenWord  = "search.name-word"
	tokenName  = "search.name"
	tokenClass = "search.diagnosis-class"
)

func (db *DB) token(purpose, value string) []byte {
	return keyring.BlindIndex(db.indexKey, purpose, value)
}

// identityTokens are the tokens of an identity, without repeats.
func (db *DB) identityTokens(id domain.Identity) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	add := func(purpose, v string) {
		if v == "" || seen[purpose+"\x00"+v] {
			return
		}
		seen[purpose+"\x00"+v] = true
		out = append(out, db.token(purpose, v))
	}
	for _, written := range []string{id.FirstName, id.LastName} {
		for _, name := range textfold.Spellings(written) { // "Øvergård" also as "Overgaard"
			for _, w := range textfold.Words(name) {
				add(tokenWord, w.Folded)
			}
			add(tokenName, textfold.Key(name))
		}
	}
	add(tokenClass, string(id.DiagnosisClass))
	return out
}

// writeTokens replaces a patient's tokens by those of its identity.
func (db *DB) writeTokens(ctx context.Context, tx *sql.Tx, patientID int64, id domain.Identity) error {
	if err := db.dropTokens(ctx, tx, patientID); err != nil {
		return err
	}
	for _, t := range db.identityTokens(id) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO patient_tokens (token, patient_id) VALUES ($1, $2)`, t, patientID); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
	}
	return nil
}

// dropTokens removes a patient from the blind index (withdrawal).
func (db *DB) dropTokens(ctx context.Context, tx *sql.Tx, patientID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM patient_tokens WHERE patient_id = $1`, patientID)
	return err
}

// indexUnindexed gives the patients enrolled before the blind index
// existed (still in the study, with no token) their tokens. It runs at
// Open; once done it costs one query that finds nobody.
func (db *DB) indexUnindexed(ctx context.Context) error {
	return db.inTx(ctx, "index patients", func(tx *sql.Tx) error {
		rows, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+` WHERE p.withdrawn_at IS NULL AND p.sealed IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM patient_tokens t WHERE t.patient_id = p.id)`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			p, err := db.decryptPatient(ctx, tx, r, nil)
			if err != nil {
				return err
			}
			if err := db.writeTokens(ctx, tx, p.ID, p.Identity); err != nil {
				return err
			}
		}
		return nil
	})
}

// searchWhere is the SQL condition (on patients p) of a filter, with its
// arguments numbered from $n+1; "" when it filters nothing.
func (db *DB) searchWhere(f domain.ListFilter, n int) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", n+len(args))
	}
	hasToken := func(t []byte) string {
		return `p.id IN (SELECT patient_id FROM patient_tokens WHERE token = ` + arg(t) + `)`
	}
	if f.DiagnosisClass != "" {
		conds = append(conds, hasToken(db.token(tokenClass, string(f.DiagnosisClass))))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		conds = append(conds, "("+db.searchCondition(q, arg)+")")
	}
	return strings.Join(conds, " AND "), args
}

// searchCondition matches what a doctor typed: a codice fiscale exactly,
// or patients each of whose typed words is a word of their names or one
// of their names written whole without separators.
func (db *DB) searchCondition(q string, arg func(any) string) string {
	if info, err := codicefiscale.Parse(strings.ReplaceAll(q, " ", "")); err == nil {
		return `p.cf_index = ` + arg(db.cfIndex(info.Code))
	}
	words := textfold.Words(q)
	if len(words) == 0 {
		return "1 = 0" // nothing searchable (punctuation only): nobody matches
	}
	all := make([]string, len(words))
	for i, w := range words {
		all[i] = `p.id IN (SELECT patient_id FROM patient_tokens WHERE token IN (` +
			arg(db.token(tokenWord, w.Folded)) + `, ` + arg(db.token(tokenName, w.Folded)) + `))`
	}
	return strings.Join(all, " AND ")
}
