package apptest

import (
	"database/sql"
	"strings"
	"testing"
)

// Raw opens the server's database directly, below the store, for tests
// that count or look at what was stored; it is closed when the test ends.
func (s *Server) Raw(t testing.TB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", s.StorePath()
	if strings.HasPrefix(s.Config.DatabaseURL, "postgres://") {
		driver, dsn = "pgx", s.Config.DatabaseURL
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
