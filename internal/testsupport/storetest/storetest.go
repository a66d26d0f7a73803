// Package storetest opens fresh stores on both backends for tests, so
// that one conformance suite runs against SQLite and PostgreSQL alike.
// Packages using it must call pgtest.Main from their TestMain.
package storetest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/pgtest"
)

// Backends are the storage backends every conformance test runs on.
var Backends = []string{"sqlite", "postgres"}

// Env is one test's store with what it was opened from.
type Env struct {
	Backend string
	URL     string // SQLite path or PostgreSQL URL
	KeyFile string // master key file
	Escrow  string // escrow key file of the backups, beside the key file
	Clock   *Clock
	DB      *store.DB
}

// ForEach runs fn as a subtest on each backend with a fresh store.
func ForEach(t *testing.T, fn func(t *testing.T, env *Env)) {
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, Open(t, b)) })
	}
}

// Open returns a fresh, migrated store on the backend, closed when the
// test ends.
func Open(t testing.TB, backend string) *Env {
	t.Helper()
	dir := t.TempDir()
	env := &Env{Backend: backend, KeyFile: filepath.Join(dir, "master.key"), Escrow: filepath.Join(dir, "escrow.keys"), Clock: NewClock()}
	switch backend {
	case "sqlite":
		env.URL = filepath.Join(dir, "serenade.db")
	case "postgres":
		env.URL = pgtest.New(t)
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	if _, err := keyring.EnsureFile(env.KeyFile); err != nil {
		t.Fatal(err)
	}
	env.DB = env.open(t)
	return env
}

func (e *Env) open(t testing.TB) *store.DB {
	t.Helper()
	db, err := e.TryOpen(keyring.FileSource{Path: e.KeyFile})
	if err != nil {
		t.Fatalf("open %s store: %v", e.Backend, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TryOpen opens the same database again with another master key source.
func (e *Env) TryOpen(src keyring.Source) (*store.DB, error) {
	kr, err := keyring.New(src)
	if err != nil {
		return nil, err
	}
	return store.Open(context.Background(), e.Config(kr))
}

// Config is the store configuration of the test's database under kr.
func (e *Env) Config(kr *keyring.Keyring) store.Config {
	return store.Config{URL: e.URL, Keyring: kr, Now: e.Clock.Now, Escrow: &keyring.EscrowFile{Path: e.Escrow}}
}

// Reopen closes the store and opens it again, as a restart would.
func (e *Env) Reopen(t testing.TB) *store.DB {
	t.Helper()
	e.DB.Close()
	e.DB = e.open(t)
	return e.DB
}

// Study is the study service over the current store: the workflows with
// their rules, as the API runs them.
func (e *Env) Study() *service.Study { return service.New(e.DB) }

// Accounts is the account service over the current store.
func (e *Env) Accounts() *service.Accounts { return service.NewAccounts(e.DB) }

// Clock is a settable clock for deterministic dates.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Raw opens the test's database directly, below the store, for tests that
// look at or tamper with what is stored.
func (e *Env) Raw(t testing.TB) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if e.Backend == "postgres" {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, e.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// RawBytes returns everything the database holds on disk (SQLite file
// and WAL) or in a dump (PostgreSQL).
func (e *Env) RawBytes(t testing.TB) []byte {
	t.Helper()
	if e.Backend == "postgres" {
		return pgtest.DumpDatabase(t, e.URL)
	}
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(e.URL + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}
