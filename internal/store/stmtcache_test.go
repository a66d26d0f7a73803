package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// openCaching opens a one-connection SQLite pool with the statement
// cache, and the counter of its prepares.
func openCaching(t *testing.T) (*sql.DB, *atomic.Int64) {
	t.Helper()
	c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	var prepared atomic.Int64
	db := sql.OpenDB(cachingConnector{Connector: c, prepared: &prepared})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{`CREATE TABLE t (n INTEGER PRIMARY KEY)`, `INSERT INTO t (n) VALUES (1), (2), (3)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db, &prepared
}

func ints(t *testing.T, rows *sql.Rows) []int {
	t.Helper()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestACachedStatementRunsNestedInItsOwnRows: a statement run again
// while its rows are still open (a query nested in the iteration of the
// same query) gets a statement of its own, and both read right; then
// the cached statement serves again without a prepare.
func TestACachedStatementRunsNestedInItsOwnRows(t *testing.T) {
	db, prepared := openCaching(t)
	const q = `SELECT n FROM t WHERE n >= $1 ORDER BY n`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int
	for outer.Next() {
		var n int
		if err := outer.Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, n)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ints(t, inner))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 2, 3}, {2, 3}, {3}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("nested reads = %v, want %v", got, want)
	}
	before := prepared.Load()
	for range 5 {
		rows, err := tx.Query(q, 2)
		if err != nil {
			t.Fatal(err)
		}
		if c := ints(t, rows); !slices.Equal(c, []int{2, 3}) {
			t.Fatalf("read %v", c)
		}
	}
	if n := prepared.Load() - before; n != 0 {
		t.Errorf("%d prepares of a cached statement", n)
	}
}

// TestAStatementEvictedWhileItsRowsAreOpenClosesAfterThem: more distinct
// statements than the cache holds, run while the first one's rows are
// open, evict it; its rows still read to the end.
func TestAStatementEvictedWhileItsRowsAreOpenClosesAfterThem(t *testing.T) {
	db, prepared := openCaching(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT n FROM t ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	before := prepared.Load()
	for i := range stmtCacheSize + 10 {
		var n int
		if err := tx.QueryRow(fmt.Sprintf(`SELECT n + %d FROM t WHERE n = $1`, i), 1).Scan(&n); err != nil || n != 1+i {
			t.Fatalf("statement %d: %d, %v", i, n, err)
		}
	}
	if got := ints(t, rows); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("rows of the evicted statement = %v", got)
	}
	if n := prepared.Load() - before; n != stmtCacheSize+10 {
		t.Errorf("%d prepares for %d distinct statements", n, stmtCacheSize+10)
	}
}
