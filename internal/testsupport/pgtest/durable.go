package pgtest

import (
	"os"
	"os/exec"
	"testing"
)

// Durable is a PostgreSQL cluster of its own whose commits are durable
// (fsync, synchronous_commit and full_page_writes on: PostgreSQL's
// defaults, as in production), for benchmarks that compare Serenade with
// PostgreSQL's own speed (pgbench) on one cluster. Tests use New, whose
// shared cluster runs with fsync off.
type Durable struct{ s *server }

// StartDurable initialises and starts a durable cluster on a free
// loopback port; it is stopped and removed when t ends. It needs the
// server binaries and pgbench (postgresql, postgresql-contrib); without
// them t is skipped loudly (failed with CI=true). SERENADE_TEST_POSTGRES_URL
// is not used: an external server's durability is not ours to set.
func StartDurable(t testing.TB) *Durable {
	t.Helper()
	binDir := findBinDir("initdb", "pg_ctl", "postgres", "pgbench")
	if binDir == "" {
		skipOrFail(t, "PostgreSQL server or pgbench not installed (apt-get install postgresql postgresql-contrib)")
	}
	reapStale()
	s := &server{binDir: binDir, asPostgres: os.Geteuid() == 0, durable: true}
	if err := s.create(); err != nil {
		s.close()
		t.Fatalf("pgtest: durable cluster: %v", err)
	}
	t.Cleanup(s.close)
	return &Durable{s: s}
}

// NewDatabase returns the URL of a new, empty database on the durable
// cluster, dropped when t ends.
func (d *Durable) NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, d.s)
}

// Command prepares a client program (pgbench, psql) of the cluster's
// PostgreSQL version, without the caller's PG* variables (a developer's
// PGOPTIONS must not change what is measured).
func (d *Durable) Command(tool string, args ...string) *exec.Cmd {
	cmd := exec.Command(d.s.bin(tool), args...)
	cmd.Env = cleanEnv()
	return cmd
}
