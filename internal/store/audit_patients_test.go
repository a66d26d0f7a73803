package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"serenade/internal/audit"
	"serenade/internal/testsupport/storetest"
)

// listRead is a list read's entry naming the given patients.
func listRead(i int, patients ...string) audit.Entry {
	return audit.Entry{Time: time.Date(2026, 3, 2, 10, 0, i, 0, time.UTC), ActorSubject: "local:dottore-rossi", ActorUsername: "dottore-rossi",
		Roles: []string{"dottore"}, Action: "patient.list", Operation: "list-patients", ResourceType: "patients",
		Outcome: audit.OutcomeOK, Status: 200, Patients: patients}
}

// singleRead is a single read of one patient.
func singleRead(i int, patient string) audit.Entry {
	e := listRead(i)
	e.Action, e.Operation, e.ResourceType, e.ResourceRef, e.ResourceAudit, e.Patient = "patient.read", "get-patient", "patient", patient, patient, patient
	return e
}

func seqs(t *testing.T, db interface {
	QueryAudit(context.Context, audit.Filter) ([]audit.Entry, error)
}, patient string) (out []int64, listed []int) {
	t.Helper()
	es, err := db.QueryAudit(context.Background(), audit.Filter{Patient: patient, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		out, listed = append(out, e.Seq), append(listed, e.Listed)
	}
	return out, listed
}

// TestAListReadIsInTheHistoryOfEachOfItsPatients: one entry per list
// read, found by any of its patients (with how many it named), next to
// single reads; a patient it did not name does not see it. A list of
// 1,200 patients (more than one insert batch) is stored whole.
func TestAListReadIsInTheHistoryOfEachOfItsPatients(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		many := make([]string, 1200)
		for i := range many {
			many[i] = fmt.Sprintf("PAT-%04d", i)
		}
		entries := []audit.Entry{singleRead(1, "PAT-0001"), listRead(2, "PAT-0001", "PAT-0002", "PAT-0003"), singleRead(3, "PAT-0002"),
			listRead(4, many...), listRead(5)}
		if err := env.DB.AppendAudit(ctx, entries); err != nil {
			t.Fatal(err)
		}
		cases := map[string]struct {
			seqs   []int64
			listed []int
		}{
			"PAT-0001": {[]int64{1, 2, 4}, []int{0, 3, 1200}},
			"PAT-0002": {[]int64{2, 3, 4}, []int{3, 0, 1200}},
			"PAT-0003": {[]int64{2, 4}, []int{3, 1200}},
			"PAT-1199": {[]int64{4}, []int{1200}},
			"PAT-9999": {nil, nil},
		}
		for p, want := range cases {
			got, listed := seqs(t, env.DB, p)
			if !slices.Equal(got, want.seqs) || !slices.Equal(listed, want.listed) {
				t.Errorf("history of %s: seqs %v listing %v, want %v listing %v", p, got, listed, want.seqs, want.listed)
			}
		}
		if n, err := env.DB.VerifyAudit(ctx); err != nil || n != 5 {
			t.Fatalf("verify = %d, %v", n, err)
		}
	})
}

// tamperPatients runs SQL with the guards of both audit tables out of
// the way.
func tamperPatients(t *testing.T, env *storetest.Env, stmts ...string) {
	t.Helper()
	pre := []string{`DROP TRIGGER IF EXISTS audit_patients_no_update`, `DROP TRIGGER IF EXISTS audit_patients_no_delete`}
	if env.Backend == "postgres" {
		pre = []string{`ALTER TABLE audit_patients DISABLE TRIGGER audit_patients_append_only`}
	}
	tamper(t, env, append(pre, stmts...)...)
}

// TestVerifyDetectsTamperedListPatients: a patient row deleted, added,
// edited or moved to another entry (with or without the entry's count
// adjusted to match), or a row naming no entry, breaks the chain; the
// guard refuses edits through SQL in the first place.
func TestVerifyDetectsTamperedListPatients(t *testing.T) {
	cases := []struct {
		name    string
		stmts   []string
		wantSeq int64
		reason  string
	}{
		{"a deleted patient row", []string{`DELETE FROM audit_patients WHERE seq = 2 AND patient = 'PAT-b'`}, 2, "added or deleted"},
		{"all of an entry's patient rows deleted", []string{`DELETE FROM audit_patients WHERE seq = 2`}, 2, "added or deleted"},
		{"an added patient row", []string{`INSERT INTO audit_patients (seq, patient) VALUES (2, 'PAT-z')`}, 2, "added or deleted"},
		{"a patient row added to a single read", []string{`INSERT INTO audit_patients (seq, patient) VALUES (3, 'PAT-z')`}, 3, "added or deleted"},
		{"a patient row moved to another entry", []string{`UPDATE audit_patients SET seq = 4 WHERE seq = 2 AND patient = 'PAT-c'`}, 2, "added or deleted"},
		{"a deleted patient row, the count adjusted", []string{`DELETE FROM audit_patients WHERE seq = 2 AND patient = 'PAT-b'`,
			`UPDATE audit_log SET patients_listed = 2 WHERE seq = 2`}, 2, "edited"},
		{"an added patient row, the count adjusted", []string{`INSERT INTO audit_patients (seq, patient) VALUES (2, 'PAT-z')`,
			`UPDATE audit_log SET patients_listed = 4 WHERE seq = 2`}, 2, "edited"},
		{"an edited patient row", []string{`UPDATE audit_patients SET patient = 'PAT-z' WHERE seq = 2 AND patient = 'PAT-a'`}, 2, "edited"},
		{"a row naming no entry", []string{`INSERT INTO audit_patients (seq, patient) VALUES (99, 'PAT-z')`}, 0, "name no entry"},
		{"a patient row added to an old-format entry", []string{`UPDATE audit_log SET format = 1, patients_listed = 1 WHERE seq = 1`,
			`INSERT INTO audit_patients (seq, patient) VALUES (1, 'PAT-z')`}, 1, "format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
				ctx := context.Background()
				if err := env.DB.AppendAudit(ctx, []audit.Entry{singleRead(1, "PAT-a"), listRead(2, "PAT-a", "PAT-b", "PAT-c"),
					singleRead(3, "PAT-b"), listRead(4, "PAT-d")}); err != nil {
					t.Fatal(err)
				}
				if env.Backend == "postgres" {
					// The foreign key would refuse the stray row; an
					// attacker drops it first.
					tamper(t, env, `ALTER TABLE audit_patients DROP CONSTRAINT audit_patients_seq_fkey`)
				} else {
					tamper(t, env, `PRAGMA foreign_keys = OFF`)
				}
				tamperPatients(t, env, c.stmts...)
				_, err := env.DB.VerifyAudit(ctx)
				var p *audit.Problem
				if !errors.As(err, &p) || p.Seq != c.wantSeq || !strings.Contains(p.Error(), c.reason) {
					t.Errorf("verify = %v, want a problem at entry %d (%s)", err, c.wantSeq, c.reason)
				}
			})
		})
	}
}

func TestAuditPatientsRefuseEditsThroughSQL(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		if err := env.DB.AppendAudit(context.Background(), []audit.Entry{listRead(1, "PAT-a", "PAT-b")}); err != nil {
			t.Fatal(err)
		}
		raw := env.Raw(t)
		for _, s := range []string{`UPDATE audit_patients SET patient = 'PAT-z' WHERE seq = 1`, `DELETE FROM audit_patients WHERE seq = 1`} {
			if _, err := raw.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", s, err)
			}
		}
	})
}

// TestEntriesWrittenBeforeListPatientsStillVerify: a trail written by
// the previous schema and code (the migration before audit_patients, the
// old INSERT, the old hash) is migrated, extended with list reads, and
// verifies whole; its old entries are still found by their patient.
func TestEntriesWrittenBeforeListPatientsStillVerify(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		raw := env.Raw(t)
		migrateDownTo(t, env, raw, 7) // the version before audit_patients
		writeOldEntries(t, raw, singleRead(1, "PAT-a"), singleRead(2, "PAT-b"), singleRead(3, "PAT-a"))
		db := env.Reopen(t) // migrates up again
		if err := db.AppendAudit(ctx, []audit.Entry{listRead(4, "PAT-a", "PAT-b"), singleRead(5, "PAT-b")}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 5 {
			t.Fatalf("verify = %d, %v; want 5 entries, intact", n, err)
		}
		if got, _ := seqs(t, db, "PAT-a"); !slices.Equal(got, []int64{1, 3, 4}) {
			t.Errorf("history of PAT-a: %v, want [1 3 4]", got)
		}
		var formats string
		if err := raw.QueryRow(`SELECT ` + aggregate(env) + ` FROM (SELECT format FROM audit_log ORDER BY seq) f`).Scan(&formats); err != nil {
			t.Fatal(err)
		}
		if formats != "1,1,1,2,2" {
			t.Errorf("formats %s, want 1,1,1,2,2", formats)
		}
	})
}

func aggregate(env *storetest.Env) string {
	if env.Backend == "postgres" {
		return `string_agg(format::text, ',')`
	}
	return `group_concat(format, ',')`
}

// migrateDownTo takes the schema back to version v with the repository's
// own migrations, as the database stood before later ones.
func migrateDownTo(t *testing.T, env *storetest.Env, raw *sql.DB, v int64) {
	t.Helper()
	dialect := goose.DialectSQLite3
	if env.Backend == "postgres" {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, raw, os.DirFS("migrations/"+env.Backend))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), v); err != nil {
		t.Fatal(err)
	}
}

// writeOldEntries appends entries as the code before format 2 did: the
// columns it knew, its hash, and the head.
func writeOldEntries(t *testing.T, raw *sql.DB, entries ...audit.Entry) {
	t.Helper()
	var seq int64
	prev := []byte{}
	for _, e := range entries {
		e.Seq, e.Format, e.PrevHash = seq+1, audit.FormatV1, prev
		e.Hash = audit.ComputeHash(prev, e)
		if _, err := raw.Exec(`INSERT INTO audit_log (seq, at, actor_subject, actor_username, roles, action, operation, resource_type,
			resource_ref, resource_audit, patient, outcome, status, request_id, trace_id, client_addr, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			e.Seq, e.Time, e.ActorSubject, e.ActorUsername, strings.Join(e.Roles, ","), e.Action, e.Operation, e.ResourceType,
			e.ResourceRef, e.ResourceAudit, e.Patient, e.Outcome, e.Status, e.RequestID, e.TraceID, e.ClientAddr, e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
		seq, prev = e.Seq, e.Hash
	}
	if _, err := raw.Exec(`UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, prev); err != nil {
		t.Fatal(err)
	}
}
