package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"serenade/internal/audit"
)

// How a group of audit entries is written. On PostgreSQL every statement
// is a round trip to the server, and the group's requests all wait for
// it, so a group is ONE statement in its own implicit transaction,
// durable when it returns (synchronous commit): it moves the head from
// the (seq, hash) the entries were linked to, and only then inserts the
// entries and the patients they list. The entries travel as one array per
// column, unnested by the server, so the statement's text never changes
// with the group's size and is prepared once per connection. The head is
// remembered from the last group (auditHead); when another process moved
// it meanwhile the statement changes nothing (the row lock makes it wait
// for the other writer, then its condition fails), and the group is
// linked again to the head as read now. On SQLite a statement costs no
// round trip: the group is one write transaction (exclusive), each entry
// one execution of the same cached INSERT.

// auditHead is the chain's head as this process last wrote or read it.
type auditHead struct {
	mu    sync.Mutex // one group at a time (the audit writer's goroutine)
	known bool
	seq   int64
	hash  []byte
}

// appendPostgres moves the head from ($25, $26) to ($23, $24) and, only
// if it did, inserts the entries and their patients; it returns whether
// it did. Within one statement the audit_patients rows' foreign key sees
// the audit_log rows inserted beside them.
const appendPostgres = `WITH head AS (
	UPDATE audit_head SET seq = $23, hash = $24 WHERE id = 1 AND seq = $25 AND hash = $26 RETURNING id
), entries AS (
	INSERT INTO audit_log (` + auditColumns + `)
	SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::text[], $12::text[], $13::integer[], $14::text[], $15::text[], $16::text[], $17::integer[],
		$18::integer[], $19::bytea[], $20::bytea[])
	WHERE EXISTS (SELECT 1 FROM head)
), patients AS (
	INSERT INTO audit_patients (seq, patient) SELECT * FROM unnest($21::bigint[], $22::text[]) WHERE EXISTS (SELECT 1 FROM head)
)
SELECT COUNT(*) FROM head`

// appendAuditPostgres links the group to the remembered head and writes
// it in one statement. When the head is unknown, or another process
// moved it, the group is written in a transaction that first locks the
// head row (linkedUnderLock): reading the head and then moving it in two
// statements left a window in which a busy replica, whose head is always
// known, could move it every time, and a writer could lose the race until
// its attempts ran out (seen once in CI: a read refused with 503 while
// two servers and the key rotation wrote to one trail).
func (db *DB) appendAuditPostgres(ctx context.Context, entries []audit.Entry) error {
	h := &db.auditHead
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.known {
		link(h.seq, h.hash, entries)
		moved, err := appendEntriesPostgres(ctx, db.auditPool, entries, h.seq, h.hash)
		if err == nil && moved {
			h.seq, h.hash = entries[len(entries)-1].Seq, entries[len(entries)-1].Hash
			return nil
		}
		h.known = false // stale, or unknown after a failure
		if err != nil {
			return err
		}
	}
	if err := db.linkedUnderLock(ctx, entries); err != nil {
		return err
	}
	h.known, h.seq, h.hash = true, entries[len(entries)-1].Seq, entries[len(entries)-1].Hash
	return nil
}

// linkedUnderLock writes the group linked to the head read with its row
// lock held, in one transaction: no other writer can move the head in
// between, so the statement always moves it.
func (db *DB) linkedUnderLock(ctx context.Context, entries []audit.Entry) error {
	tx, err := db.auditPool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var seq int64
	var hash []byte
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&seq, &hash); err != nil {
		return err
	}
	if hash == nil {
		hash = []byte{} // the empty chain's head: NULL would never match
	}
	link(seq, hash, entries)
	moved, err := appendEntriesPostgres(ctx, tx, entries, seq, hash)
	if err != nil {
		return err
	}
	if !moved {
		return errors.New("the audit head moved while its row was locked")
	}
	return tx.Commit()
}

// rowQuerier is a connection pool or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func appendEntriesPostgres(ctx context.Context, db rowQuerier, entries []audit.Entry, seq int64, hash []byte) (bool, error) {
	last := entries[len(entries)-1]
	var moved int
	err := db.QueryRowContext(ctx, appendPostgres, append(auditArrays(entries), last.Seq, last.Hash, seq, hash)...).Scan(&moved)
	return moved == 1, err
}

// auditArrays is appendPostgres's $1 to $22: linked entries as one array
// per column of auditColumns, in order, then the (seq, patient) pairs of
// the patients list reads name.
func auditArrays(es []audit.Entry) []any {
	text := func(f func(*audit.Entry) string) []string { return column(es, f) }
	integer := func(f func(*audit.Entry) int) []int32 {
		return column(es, func(e *audit.Entry) int32 { return int32(f(e)) })
	}
	var listSeqs []int64
	var listed []string
	for _, e := range es {
		for _, p := range e.Patients {
			listSeqs, listed = append(listSeqs, e.Seq), append(listed, p)
		}
	}
	return []any{
		column(es, func(e *audit.Entry) int64 { return e.Seq }),
		column(es, func(e *audit.Entry) time.Time { return e.Time }),
		text(func(e *audit.Entry) string { return e.ActorSubject }),
		text(func(e *audit.Entry) string { return e.ActorUsername }),
		text(func(e *audit.Entry) string { return strings.Join(e.Roles, ",") }),
		text(func(e *audit.Entry) string { return e.Action }),
		text(func(e *audit.Entry) string { return e.Operation }),
		text(func(e *audit.Entry) string { return e.ResourceType }),
		text(func(e *audit.Entry) string { return e.ResourceRef }),
		text(func(e *audit.Entry) string { return e.ResourceAudit }),
		text(func(e *audit.Entry) string { return e.Patient }),
		text(func(e *audit.Entry) string { return e.Outcome }),
		integer(func(e *audit.Entry) int { return e.Status }),
		text(func(e *audit.Entry) string { return e.RequestID }),
		text(func(e *audit.Entry) string { return e.TraceID }),
		text(func(e *audit.Entry) string { return e.ClientAddr }),
		integer(func(e *audit.Entry) int { return e.Format }),
		integer(func(e *audit.Entry) int { return len(e.Patients) }),
		column(es, func(e *audit.Entry) []byte { return e.PrevHash }),
		column(es, func(e *audit.Entry) []byte { return e.Hash }),
		nonNil(listSeqs), nonNil(listed),
	}
}

// column is one field of every entry.
func column[T any](es []audit.Entry, f func(*audit.Entry) T) []T {
	out := make([]T, len(es))
	for i := range es {
		out[i] = f(&es[i])
	}
	return out
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
