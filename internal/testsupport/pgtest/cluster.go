package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// debianRoot is where Debian's postgresql packages install the server, one
// directory per major version. We look only there: an unrelated "initdb"
// may be first on PATH.
const debianRoot = "/usr/lib/postgresql"

// dirPrefix names our temporary cluster directories, so stale ones left by
// a killed test process can be recognised and removed.
const dirPrefix = "pgtest-"

// errNotInstalled means the server binaries are missing: skip (or fail in CI).
var errNotInstalled = errors.New("PostgreSQL not installed")

// server is the PostgreSQL server shared by the tests of one process:
// either a throwaway cluster we own (dir != "") or an external one.
type server struct {
	admin      *url.URL // superuser URL, used for CREATE/DROP DATABASE
	binDir     string   // PostgreSQL bin dir, "" when not installed
	dir        string   // temp dir holding data, socket and log
	asPostgres bool     // run server binaries via runuser (we are root)
	durable    bool     // fsync and synchronous commit on (StartDurable)
}

// start returns the external server named by EnvURL, or initialises and
// starts a throwaway cluster.
func start() (*server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return external(u)
	}
	binDir := findBinDir("initdb", "pg_ctl", "postgres")
	if binDir == "" {
		return nil, errNotInstalled
	}
	reapStale()
	s := &server{binDir: binDir, asPostgres: os.Geteuid() == 0}
	if err := s.create(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// external connects to an existing server; pg_dump, if installed, is still
// taken from the Debian directory for DumpDatabase.
func external(raw string) (*server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not a URL: %w", EnvURL, err)
	}
	s := &server{admin: u, binDir: findBinDir("pg_dump")}
	if err := s.ping(); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvURL, err)
	}
	return s, nil
}

// create makes the temp dir, runs initdb, starts the server and connects.
func (s *server) create() error {
	if err := s.makeDir(); err != nil {
		return err
	}
	if err := s.initdb(); err != nil {
		return err
	}
	if err := s.startWithFreePort(); err != nil {
		return err
	}
	return s.ping()
}

// ping checks that the admin URL accepts connections.
func (s *server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return s.adminExec(ctx, "SELECT 1")
}

// makeDir creates the private cluster directory. initdb refuses to run as
// root, so when we are root the directory is handed to the postgres user.
func (s *server) makeDir() error {
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return err
	}
	s.dir = dir
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), pid, 0o644); err != nil {
		return err
	}
	if !s.asPostgres {
		return nil
	}
	uid, gid, err := postgresIDs()
	if err != nil {
		return err
	}
	return os.Chown(dir, uid, gid)
}

// postgresIDs returns the uid and gid of the postgres system user, which
// Debian's postgresql package creates.
func postgresIDs() (int, int, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("running as root needs the postgres user "+
			"(apt-get install postgresql): %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return 0, 0, err
	}
	gid, err := strconv.Atoi(u.Gid)
	return uid, gid, err
}

// initdb creates the cluster: trust auth (tests only, loopback and a private
// socket), no fsync, C locale so results never depend on the machine.
func (s *server) initdb() error {
	return s.run("initdb", "-D", s.dataDir(), "-A", "trust", "-U", "postgres",
		"--no-sync", "-E", "UTF8", "--locale=C")
}

// startWithFreePort starts the server on a free port, retrying because
// another process may grab the port between our probe and the bind.
func (s *server) startWithFreePort() error {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		if err = s.pgctlStart(port); err == nil {
			s.admin = &url.URL{Scheme: "postgres", User: url.User("postgres"),
				Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
				Path: "/postgres", RawQuery: "sslmode=disable"}
			return nil
		}
	}
	return err
}

// pgctlStart starts the server and waits until it accepts connections.
// Durability is off for tests (a crash only loses a throwaway cluster),
// on for a durable cluster (PostgreSQL's defaults: fsync, synchronous
// commit and full page writes).
func (s *server) pgctlStart(port int) error {
	durability := "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
	if s.durable {
		durability = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
	}
	opts := fmt.Sprintf("-k '%s' -p %d -c listen_addresses=127.0.0.1 "+
		durability+"-c max_connections=200", s.dir, port)
	err := s.run("pg_ctl", "-D", s.dataDir(), "-l", s.logFile(), "-o", opts,
		"-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(s.logFile())
		return fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	return nil
}

// close stops a cluster we own and removes its files ("immediate" skips
// the shutdown checkpoint: the data is discarded). External servers stay.
func (s *server) close() {
	if s.dir == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(s.dataDir(), "postmaster.pid")); err == nil {
		if err := s.run("pg_ctl", "-D", s.dataDir(), "-m", "immediate", "-w", "stop"); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop cluster:", err)
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: remove cluster dir:", err)
	}
}

// run executes a server binary, as the postgres user when we are root, from
// the cluster dir (the caller's working directory may be unreadable to it).
func (s *server) run(tool string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, args := s.bin(tool), args
	if s.asPostgres {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = runuserPath()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.dir
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// databaseURL is the admin URL pointed at database name.
func (s *server) databaseURL(name string) string {
	u := *s.admin
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

func (s *server) bin(tool string) string { return filepath.Join(s.binDir, tool) }
func (s *server) dataDir() string        { return filepath.Join(s.dir, "data") }
func (s *server) logFile() string        { return filepath.Join(s.dir, "server.log") }

// findBinDir returns the bin dir of the highest installed major version
// that has all the given tools, or "" if none has.
func findBinDir(tools ...string) string {
	dirs, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin"))
	best, bestVersion := "", []int(nil)
	for _, dir := range dirs {
		v := parseVersion(filepath.Base(filepath.Dir(dir)))
		if v != nil && hasTools(dir, tools) && versionLess(bestVersion, v) {
			best, bestVersion = dir, v
		}
	}
	return best
}

// parseVersion parses "16" or "9.6"; nil if it is not a version.
func parseVersion(s string) []int {
	var v []int
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// versionLess compares versions numerically, so 10 > 9.6; nil is lowest.
func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func hasTools(dir string, tools []string) bool {
	for _, tool := range tools {
		if fi, err := os.Stat(filepath.Join(dir, tool)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runuserPath finds runuser even when /usr/sbin is not on PATH.
func runuserPath() string {
	if p, err := exec.LookPath("runuser"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "runuser"
}

// cleanEnv drops PG* variables: a developer's PGDATA, PGPORT or PGOPTIONS
// must not leak into the throwaway cluster.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// reapStale stops and removes clusters left behind by test processes that
// died without running Main's clean-up (killed, or timed out).
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue // being created right now, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || processAlive(pid) {
			continue
		}
		binDir := findBinDir("pg_ctl")
		stale := &server{binDir: binDir, dir: dir, asPostgres: os.Geteuid() == 0}
		stale.close()
	}
}

// processAlive reports whether pid exists (EPERM: exists, not ours).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
