package pgtest_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"serenade/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// connect opens a connection closed at the end of the test.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Two parallel tests each get their own database: the same table name can
// be created in both, and the URLs differ.
func TestEachTestGetsItsOwnDatabase(t *testing.T) {
	var mu sync.Mutex
	urls := map[string]bool{}
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t)
			mu.Lock()
			urls[url] = true
			mu.Unlock()
			conn := connect(t, url)
			exec(t, conn, "CREATE TABLE same_name (id int PRIMARY KEY)")
			exec(t, conn, "INSERT INTO same_name VALUES (1)")
		})
	}
	t.Cleanup(func() {
		if !t.Skipped() && len(urls) != 2 {
			t.Errorf("got %d distinct URLs, want 2: %v", len(urls), urls)
		}
	})
}

func TestNewDatabaseIsEmpty(t *testing.T) {
	conn := connect(t, pgtest.New(t))
	var n int
	err := conn.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("public tables = %d, %v; want 0", n, err)
	}
}

// The database is dropped when its test ends, even with a connection left
// open by the code under test.
func TestDatabaseDroppedAfterTest(t *testing.T) {
	var url string
	t.Run("owner", func(t *testing.T) {
		url = pgtest.New(t)
		leaked, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		_ = leaked // deliberately never closed
	})
	if url == "" {
		t.Skip("subtest skipped")
	}
	if conn, err := pgx.Connect(context.Background(), url); err == nil {
		conn.Close(context.Background())
		t.Fatal("database still exists after its test ended")
	}
}

func TestDumpDatabaseContainsSchemaAndData(t *testing.T) {
	url := pgtest.New(t)
	conn := connect(t, url)
	exec(t, conn, "CREATE TABLE dumped_table (note text)")
	exec(t, conn, "INSERT INTO dumped_table VALUES ('visible-in-dump')")
	dump := pgtest.DumpDatabase(t, url)
	for _, want := range []string{"dumped_table", "visible-in-dump"} {
		if !bytes.Contains(dump, []byte(want)) {
			t.Errorf("dump lacks %q:\n%s", want, dump)
		}
	}
}
