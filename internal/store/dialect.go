package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds what differs between the two backends. Everything else,
// including $n placeholders and RETURNING, is shared SQL.
type dialect struct {
	name  string
	goose goose.Dialect
	// forUpdate / forShare lock selected rows on PostgreSQL; SQLite's
	// BEGIN IMMEDIATE already serialises writers.
	forUpdate, forShare string
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, forUpdate: " FOR UPDATE", forShare: " FOR SHARE"}
)

// isUniqueViolation recognises a unique-constraint failure on either backend.
// isDeadlock reports PostgreSQL's deadlock_detected: the server aborted
// this transaction to break a cycle, and running it again is the remedy.
func isDeadlock(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "40P01"
}

func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
