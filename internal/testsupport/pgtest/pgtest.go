// Package pgtest gives tests a real, throwaway PostgreSQL database.
//
// Mocks of PostgreSQL hide exactly the bugs we care about (constraints,
// transactions, encodings), so tests talk to a real server. One cluster is
// started lazily per test process (fsync off, trust auth, private socket
// directory and a free TCP port on 127.0.0.1); every call to New creates a
// fresh empty database in it, which is dropped when the test ends.
//
// Every package that uses New must call Main from its TestMain, because only
// Main gets to run after all tests and stop the cluster:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// New fails the test when Main was not called, instead of leaking a server.
//
// Set SERENADE_TEST_POSTGRES_URL to the admin URL of an existing server to
// use it instead of starting one. When the server binaries are missing,
// tests are skipped loudly, or fail when CI=true: a CI run must never pass by
// silently skipping the database tests.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the admin URL of an existing server.
const EnvURL = "SERENADE_TEST_POSTGRES_URL"

// opTimeout bounds each administrative statement, so a wedged server fails
// the test instead of hanging until the global test timeout.
const opTimeout = 30 * time.Second

var (
	mainCalled atomic.Bool
	startOnce  sync.Once
	shared     *server
	startErr   error
	warnOnce   sync.Once
)

// Main runs the package's tests, then stops the cluster and removes its
// files, and exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the os.Exit, for a TestMain with its own set-up or
// tear-down. It returns the exit code of m.Run.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	return code
}

// New returns the URL of a new, empty database owned by the superuser
// "postgres", e.g. postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable.
// The database is dropped (forcibly closing leftover connections) when the
// test and its subtests finish.
func New(t testing.TB) string {
	t.Helper()
	return newDatabase(t, cluster(t))
}

// newDatabase creates a fresh database on s, dropped when t ends.
func newDatabase(t testing.TB, s *server) string {
	t.Helper()
	name := databaseName(t)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	ident := pgx.Identifier{name}.Sanitize()
	if err := s.adminExec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { dropDatabase(t, s, ident) })
	return s.databaseURL(name)
}

// DumpDatabase returns the plain-SQL pg_dump of the database at url (as
// returned by New). Tests use it to assert what actually reaches the disk,
// e.g. that no plaintext secret is stored.
func DumpDatabase(t testing.TB, url string) []byte {
	t.Helper()
	s := cluster(t)
	if s.binDir == "" {
		skipOrFail(t, "pg_dump not found under "+debianRoot)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin("pg_dump"), "--format=plain",
		"--no-owner", "--no-privileges", "--dbname="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pgtest: pg_dump: %v: %s", err, stderr.String())
	}
	return out
}

// cluster returns the shared server, starting it on first use. It skips or
// fails t when no server can be had.
func cluster(t testing.TB) *server {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("pgtest: call pgtest.Main(m) from this package's TestMain " +
			"(func TestMain(m *testing.M) { pgtest.Main(m) }) so the " +
			"PostgreSQL cluster is stopped after the tests")
	}
	startOnce.Do(func() { shared, startErr = start() })
	if errors.Is(startErr, errNotInstalled) {
		skipOrFail(t, "PostgreSQL not installed (apt-get install postgresql)")
	}
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	return shared
}

// skipOrFail skips t loudly, or fails it under CI where a skipped database
// test would be a false green.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if inCI() {
		t.Fatalf("pgtest: %s; CI=true, so this is a failure, not a skip", why)
	}
	msg := "!!! " + why + ": SKIPPING PostgreSQL tests !!!"
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, msg) })
	t.Skip(msg)
}

// inCI reports whether CI is set to a true value.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// databaseName makes a valid, unique identifier. It embeds part of the test
// name to ease debugging and random bytes so that concurrent test processes
// sharing one external server never collide.
func databaseName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		if b.Len() >= 40 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	random := make([]byte, 6)
	_, _ = rand.Read(random)
	return "t_" + b.String() + "_" + hex.EncodeToString(random)
}

// dropDatabase removes a test database; FORCE terminates connections the
// code under test forgot to close, which would otherwise block the drop.
func dropDatabase(t testing.TB, s *server, ident string) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	sql := "DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)"
	if err := s.adminExec(ctx, sql); err != nil {
		t.Errorf("pgtest: drop database %s: %v", ident, err)
	}
}

// adminExec runs one statement on a fresh superuser connection. A
// connection per statement costs a few milliseconds on loopback and is
// immune to a shared connection breaking mid-run.
func (s *server) adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.admin.String())
	if err != nil {
		return fmt.Errorf("connect %s: %w", s.admin.Redacted(), err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
