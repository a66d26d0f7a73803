package apptest

import (
	"database/sql"
	"strings"
	"sync"
	"testing"
)

// raws holds each server's direct connection pool, opened once.
var raws sync.Map // *Server → *sql.DB

// Raw opens the server's database directly, below the store, for tests
// that count or look at what was stored. It is opened once per server
// (tests may poll it) and closed when the test that first asked ends.
func (s *Server) Raw(t testing.TB) *sql.DB {
	t.Helper()
	if db, ok := raws.Load(s); ok {
		return db.(*sql.DB)
	}
	driver, dsn := "sqlite", s.StorePath()
	if strings.HasPrefix(s.Config.DatabaseURL, "postgres://") {
		driver, dsn = "pgx", s.Config.DatabaseURL
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if db, loaded := raws.LoadOrStore(s, raw); loaded {
		raw.Close()
		return db.(*sql.DB)
	}
	t.Cleanup(func() {
		raws.Delete(s)
		raw.Close()
	})
	return raw
}
