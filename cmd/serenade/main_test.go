package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"serenade/internal/keyring"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) {
	// The servers these tests start with --demo (in process and as child
	// processes, which inherit the environment) skip the demo's sensor
	// data: it would only load the machine. The test that wants it sets it.
	os.Setenv("SERENADE_DEMO_SENSOR_DAYS", "0")
	pgtest.Main(m)
}

// cli runs one subcommand in-process with the given stdin and
// environment, and returns its exit code and output.
func cli(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	for k, v := range vars {
		t.Setenv(k, v)
	}
	var out bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &out, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return run(context.Background(), e, args), out.String()
}

func TestUserCommandsManageLocalAccounts(t *testing.T) {
	vars := map[string]string{"SERENADE_DATA_DIR": t.TempDir()}
	if code, out := cli(t, vars, "a long password\n", "user", "add", "--role", "dottore,unimi", "dottore-bruno"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if code, out := cli(t, vars, "short\n", "user", "add", "--role", "iit", "iit-carla"); code == 0 || !strings.Contains(out, "at least 10") {
		t.Errorf("a short password was accepted: %d %s", code, out)
	}
	if code, out := cli(t, vars, "another long one\n", "user", "add", "--role", "dottore", "dottore-bruno"); code != 3 || !strings.Contains(out, "already exists") {
		t.Errorf("duplicate user: %d %s", code, out)
	}
	if code, out := cli(t, vars, "", "user", "add", "--role", "chef", "x"); code != 2 || !strings.Contains(out, "unknown role") {
		t.Errorf("unknown role: %d %s", code, out)
	}
	code, out := cli(t, vars, "", "user", "list")
	if code != 0 || !strings.Contains(out, "dottore-bruno") || !strings.Contains(out, "[dottore unimi]") || !strings.Contains(out, "active") {
		t.Errorf("user list: %d %s", code, out)
	}
	if code, out := cli(t, vars, "", "user", "disable", "dottore-bruno"); code != 0 {
		t.Errorf("user disable: %d %s", code, out)
	}
	if _, out := cli(t, vars, "", "user", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("disabled user not shown as such: %s", out)
	}
	if code, _ := cli(t, vars, "", "user", "disable", "nobody"); code != 3 {
		t.Errorf("disabling a missing user: exit %d, want 3", code)
	}
}

func TestPasswordIsNeverAnArgument(t *testing.T) {
	vars := map[string]string{"SERENADE_DATA_DIR": t.TempDir()}
	if code, out := cli(t, vars, "", "user", "add", "--role", "iit", "--password", "x", "iit-carla"); code != 2 {
		t.Errorf("a --password flag was accepted: %d %s", code, out)
	}
}

func TestMigrateAndVersion(t *testing.T) {
	vars := map[string]string{"SERENADE_DATA_DIR": t.TempDir()}
	if code, out := cli(t, vars, "", "migrate"); code != 0 {
		t.Errorf("migrate: %d %s", code, out)
	}
	if code, out := cli(t, vars, "", "version"); code != 0 || !strings.HasPrefix(out, "serenade ") {
		t.Errorf("version: %d %s", code, out)
	}
	if code, _ := cli(t, vars, "", "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestKeysRotateWhileTheServerRuns(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			tok := s.Login(t, "dottore-alice", "alice")
			keyFile := filepath.Join(s.Config.DataDir, "master.key")
			before, err := keyring.ReadMasterKeyFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			vars := map[string]string{"SERENADE_DATA_DIR": s.Config.DataDir, "SERENADE_DATABASE_URL": s.Config.DatabaseURL}
			if code, out := cli(t, vars, "", "keys", "rotate"); code != 0 {
				t.Fatalf("keys rotate: %d %s", code, out)
			}
			after, err := keyring.ReadMasterKeyFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			for v := range before {
				if _, ok := after[v]; ok {
					t.Errorf("old master version %d still in the key file", v)
				}
			}
			// The running server re-reads the key file when it meets the
			// new version: reads go on without a restart.
			res := s.Do(t, http.MethodGet, "/api/v1/patients/1", tok, nil)
			if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "codice_fiscale") {
				t.Errorf("read after rotation: %d %s", res.Status, res.Body)
			}
		})
	}
}

func TestKeysRotateWithAnEnvironmentKeyPrintsTheNewOne(t *testing.T) {
	dir := t.TempDir()
	k, _ := keyring.NewKey()
	old := string(keyring.MasterKeys{1: k}.Format())
	vars := map[string]string{"SERENADE_DATA_DIR": dir, "SERENADE_MASTER_KEY": old}
	if code, out := cli(t, vars, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	code, out := cli(t, vars, "", "keys", "rotate")
	if code != 0 {
		t.Fatalf("keys rotate: %d %s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	next := lines[len(lines)-1]
	if !strings.HasPrefix(next, "2 ") {
		t.Fatalf("new key line = %q", next)
	}
	if code, out := cli(t, map[string]string{"SERENADE_MASTER_KEY": next}, "", "migrate"); code != 0 {
		t.Errorf("the new key does not open the database: %d %s", code, out)
	}
	if code, out := cli(t, map[string]string{"SERENADE_MASTER_KEY": old}, "", "migrate"); code == 0 {
		t.Errorf("the old key still opens the database: %s", out)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			tok := s.Login(t, "dottore-alice", "alice")
			for range 5 {
				s.Do(t, http.MethodGet, "/api/v1/patients/1", tok, nil)
			}
			vars := map[string]string{"SERENADE_DATA_DIR": s.Config.DataDir, "SERENADE_DATABASE_URL": s.Config.DatabaseURL}
			if code, out := cli(t, vars, "", "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain intact: 6 entries") {
				t.Fatalf("verify: %d %s", code, out)
			}
			raw := openRaw(t, backend, s.Config.DatabaseURL)
			stmts := []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET outcome = 'denied' WHERE seq = 3`}
			if backend == "postgres" {
				stmts[0] = `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`
			}
			for _, q := range stmts {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			code, out := cli(t, vars, "", "audit", "verify")
			if code != 4 || !strings.Contains(out, "entry 3") {
				t.Errorf("verify after tampering: %d %s", code, out)
			}
		})
	}
}

func openRaw(t *testing.T, backend, url string) *sql.DB {
	driver := "sqlite"
	if backend == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
