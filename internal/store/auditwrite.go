package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"serenade/internal/audit"
)

// How a group of audit entries is written. On PostgreSQL every statement
// is a round trip to the server, so a group costs a fixed four (begin;
// lock and read the head; one statement that inserts every entry, every
// listed patient and moves the head; commit) whatever its size: the
// entries travel as one array per column and are unnested by the server.
// Its text never changes with the group's size, so it is prepared once
// per connection. On SQLite a statement costs no round trip: each entry
// is one execution of the same cached INSERT.

// auditHeadQuery reads the chain's head and locks it for the group. On
// PostgreSQL the transaction-level advisory lock is taken in the same
// statement, before the row lock (LockRows runs above the join).
func (db *DB) auditHeadQuery() string {
	if db.dialect.name == postgresDialect.name {
		return `SELECT h.seq, h.hash FROM (SELECT pg_advisory_xact_lock($1)) l, audit_head h WHERE h.id = 1 FOR UPDATE OF h`
	}
	return `SELECT seq, hash FROM audit_head WHERE id = 1`
}

func (db *DB) auditHeadArgs() []any {
	if db.dialect.name == postgresDialect.name {
		return []any{auditLock}
	}
	return nil
}

// appendPostgres inserts linked entries and their patients and moves the
// head, in one statement. Within one statement the audit_patients rows'
// foreign key sees the audit_log rows inserted beside them.
const appendPostgres = `WITH entries AS (
	INSERT INTO audit_log (` + auditColumns + `)
	SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::text[], $12::text[], $13::integer[], $14::text[], $15::text[], $16::text[], $17::integer[],
		$18::integer[], $19::bytea[], $20::bytea[])
), patients AS (
	INSERT INTO audit_patients (seq, patient) SELECT * FROM unnest($21::bigint[], $22::text[])
)
UPDATE audit_head SET seq = $23, hash = $24 WHERE id = 1`

func appendEntriesPostgres(ctx context.Context, tx *sql.Tx, entries []audit.Entry) error {
	n := len(entries)
	var (
		seqs                                                                 = make([]int64, n)
		times                                                                = make([]time.Time, n)
		subjects, usernames, roles, actions, operations, types, refs, audits = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		patients, outcomes, requests, traces, addrs                          = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		statuses, formats, listed                                            = make([]int32, n), make([]int32, n), make([]int32, n)
		prevs, hashes                                                        = make([][]byte, n), make([][]byte, n)
		listSeqs                                                             []int64
		listPatients                                                         []string
	)
	for i, e := range entries {
		seqs[i], times[i], subjects[i], usernames[i], roles[i] = e.Seq, e.Time, e.ActorSubject, e.ActorUsername, strings.Join(e.Roles, ",")
		actions[i], operations[i], types[i], refs[i], audits[i] = e.Action, e.Operation, e.ResourceType, e.ResourceRef, e.ResourceAudit
		patients[i], outcomes[i], statuses[i], requests[i], traces[i] = e.Patient, e.Outcome, int32(e.Status), e.RequestID, e.TraceID
		addrs[i], formats[i], listed[i], prevs[i], hashes[i] = e.ClientAddr, int32(e.Format), int32(len(e.Patients)), e.PrevHash, e.Hash
		for _, p := range e.Patients {
			listSeqs, listPatients = append(listSeqs, e.Seq), append(listPatients, p)
		}
	}
	last := entries[n-1]
	_, err := tx.ExecContext(ctx, appendPostgres, seqs, times, subjects, usernames, roles, actions, operations, types, refs, audits,
		patients, outcomes, statuses, requests, traces, addrs, formats, listed, prevs, hashes,
		nonNil(listSeqs), nonNil(listPatients), last.Seq, last.Hash)
	return err
}

// nonNil turns a nil slice into an empty one: a nil slice is sent as
// NULL, which unnest would refuse to type.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func appendEntriesSQLite(ctx context.Context, tx *sql.Tx, entries []audit.Entry) error {
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			e.Seq, e.Time, e.ActorSubject, e.ActorUsername, strings.Join(e.Roles, ","), e.Action, e.Operation,
			e.ResourceType, e.ResourceRef, e.ResourceAudit, e.Patient, e.Outcome, e.Status, e.RequestID, e.TraceID, e.ClientAddr,
			e.Format, len(e.Patients), e.PrevHash, e.Hash); err != nil {
			return err
		}
		for _, p := range e.Patients {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_patients (seq, patient) VALUES ($1, $2)`, e.Seq, p); err != nil {
				return err
			}
		}
	}
	last := entries[len(entries)-1]
	_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, last.Seq, last.Hash)
	return err
}
