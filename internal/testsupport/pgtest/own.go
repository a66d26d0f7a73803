package pgtest

import (
	"os"
	"strconv"
	"testing"
)

// Own is a throwaway cluster of one test's own, which the test may stop
// and start again (a database restart under load) without disturbing the
// tests that share New's cluster. Its commits are durable (as
// StartDurable's), so a stop loses nothing that was acknowledged.
type Own struct {
	s    *server
	port int
}

// StartOwn initialises and starts a cluster on a free loopback port; it
// is stopped and removed when t ends. Without the server binaries t is
// skipped loudly (failed with CI=true).
func StartOwn(t testing.TB) *Own {
	t.Helper()
	binDir := findBinDir("initdb", "pg_ctl", "postgres")
	if binDir == "" {
		skipOrFail(t, "PostgreSQL not installed (apt-get install postgresql)")
	}
	reapStale()
	// Durable: an immediate stop is a crash, and with synchronous_commit
	// off a crash loses commits already acknowledged.
	s := &server{binDir: binDir, asPostgres: os.Geteuid() == 0, durable: true}
	if err := s.create(); err != nil {
		s.close()
		t.Fatalf("pgtest: own cluster: %v", err)
	}
	t.Cleanup(s.close)
	port, err := strconv.Atoi(s.admin.Port())
	if err != nil {
		t.Fatal(err)
	}
	return &Own{s: s, port: port}
}

// NewDatabase returns the URL of a new, empty database on the cluster.
func (o *Own) NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, o.s)
}

// Stop shuts the server down at once ("immediate": connections are cut,
// as in a crash) and waits until it is gone.
func (o *Own) Stop(t testing.TB) {
	t.Helper()
	if err := o.s.run("pg_ctl", "-D", o.s.dataDir(), "-m", "immediate", "-w", "stop"); err != nil {
		t.Fatalf("pgtest: stop: %v", err)
	}
}

// Start starts the stopped server again on the same port (its URLs stay
// valid) and waits until it accepts connections.
func (o *Own) Start(t testing.TB) {
	t.Helper()
	if err := o.s.pgctlStart(o.port); err != nil {
		t.Fatalf("pgtest: start again: %v", err)
	}
	if err := o.s.ping(); err != nil {
		t.Fatalf("pgtest: ping after start: %v", err)
	}
}
