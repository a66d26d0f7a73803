package store

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"serenade/internal/domain"
)

// An outage is a failure of the database itself, not of the request: the
// PostgreSQL server cannot be reached or is shutting down or starting,
// or the disk under the database is full. It is answered 503 (try again
// later), never 500, and the request had no effect (its transaction
// rolled back). The cause stays in the chain for the logs; the caller's
// message names the outage only.
type outage struct {
	msg   string
	cause error
}

func (o *outage) Error() string { return "store outage: " + o.msg + ": " + o.cause.Error() }
func (o *outage) Unwrap() error { return o.cause }

// As lets domain.KindOf see an outage as a domain error of kind
// KindUnavailable.
func (o *outage) As(target any) bool {
	if de, ok := target.(**domain.Error); ok {
		*de = &domain.Error{Kind: domain.KindUnavailable, Message: o.msg}
		return true
	}
	return false
}

// asOutage returns err as an outage when it is one, else err.
func asOutage(err error) error {
	if err == nil || domain.KindOf(err) != domain.KindInternal {
		return err
	}
	switch {
	case isStorageFull(err):
		return &outage{msg: "the database's storage is full: try again later", cause: err}
	case isUnreachable(err):
		return &outage{msg: "the database cannot be reached: try again later", cause: err}
	}
	return err
}

// isStorageFull: SQLite's SQLITE_FULL (also its I/O error on a write that
// found no room), PostgreSQL's class 53 (insufficient resources:
// disk_full, out_of_memory, too_many_connections), or ENOSPC/EDQUOT.
func isStorageFull(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff // primary result code
		if code == sqlite3.SQLITE_FULL {
			return true
		}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && strings.HasPrefix(pg.Code, "53") {
		return true
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isUnreachable: no connection to PostgreSQL could be made or kept
// (refused, reset, closed by a shutdown), or the server says it is
// shutting down or starting (class 08, 57P01-57P03). SQLite's I/O and
// open errors count too: the data directory went away or is unreadable.
func isUnreachable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_IOERR || code == sqlite3.SQLITE_CANTOPEN
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

// minFreeBytes is the room the SQLite data directory must have for the
// server to call itself ready: below it, a write (or the audit entry every
// request writes) would fail for want of space.
const minFreeBytes = 1 << 20

// ErrStorageFull is the readiness failure of a full data directory.
var ErrStorageFull = errors.New("the database's storage is full")

// CheckRoom reports ErrStorageFull when the file system holding the
// SQLite database has less than minFreeBytes available (statfs); nil on
// PostgreSQL, whose server watches its own disk (a full disk there fails
// writes with class 53, an outage).
func (db *DB) CheckRoom() error {
	if db.path == "" {
		return nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(db.path), &st); err != nil {
		return err
	}
	if st.Bavail*uint64(st.Bsize) < minFreeBytes {
		return ErrStorageFull
	}
	return nil
}
