package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"serenade/internal/keyring"
)

// querier is what private helpers need: a *sql.Tx or a *sql.DB.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction, committing only if fn succeeds:
// a workflow is never half-written. An internal error is wrapped with op
// (see wrapOp), so the log line of a failed request names the operation.
func (db *DB) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	return wrapOp(op, runTx(ctx, db.write, nil, fn))
}

// inReadTx runs fn in a read-only transaction (one consistent snapshot).
// On PostgreSQL that takes REPEATABLE READ: under the default READ
// COMMITTED each statement sees its own snapshot, so a reader that took a
// patient's data key in one statement could read rows re-sealed under a
// new key (a withdrawal re-keys what it keeps) in the next. Read-only
// transactions never fail to serialise. SQLite's WAL read transactions
// are snapshots already.
func (db *DB) inReadTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{}
	if db.dialect.name == postgresDialect.name {
		opts.ReadOnly, opts.Isolation = true, sql.LevelRepeatableRead
	}
	return wrapOp(op, runTx(ctx, db.read, opts, fn))
}

// staleKeyAttempts bounds how often a transaction runs again after it
// met a data key wrapped under a master version that a rotation destroyed
// between its snapshot and the unwrap (keyring.ErrVersionGone). The next
// attempt starts after the failure, so its snapshot holds the data keys
// as re-wrapped: it can fail the same way only if two more rotations land
// inside it.
const staleKeyAttempts = 3

// runTx runs fn in a transaction, again on a fresh one (up to
// staleKeyAttempts in all) when fn read a data key wrapped under a master
// version rotated away since. That is safe: the failed attempt rolled
// back, and a rotation re-wraps the same data key, so the fresh attempt
// reads the same values (or what a withdrawal left of them).
func runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	var err error
	for range staleKeyAttempts {
		if err = runTxOnce(ctx, pool, opts, fn); !errors.Is(err, keyring.ErrVersionGone) {
			return err
		}
	}
	return err
}

func runTxOnce(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// notFound maps sql.ErrNoRows to a domain not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domainNotFound(what)
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row. The rows are read to the
// end and closed before it returns, so callers may query again (to
// unwrap keys, say) on the same transaction, which pgx cannot do while
// rows are open.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
