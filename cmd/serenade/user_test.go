package main

import (
	"strings"
	"testing"
	"time"

	"serenade/internal/testsupport/pgtest"
)

func TestUsernamesCannotLookLikeOthersOrForgeLines(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			vars := map[string]string{"SERENADE_DATA_DIR": t.TempDir()}
			if backend == "postgres" {
				vars["SERENADE_DATABASE_URL"] = pgtest.New(t)
			}
			if code, out := cli(t, vars, "", "migrate"); code != 0 {
				t.Fatalf("migrate: %d %s", code, out)
			}
			for _, bad := range []string{
				"dottore\u200B-alice",                        // looks like dottore-alice
				"dottore-alice\nadmin-anna  [admin]  active", // forges a line of user list
				"Dottore-Alice", "dottore\u202Eecila", "ｄottore-alice", "dottore alice",
			} {
				code, out := cli(t, vars, "a long password\n", "user", "add", "--role", "dottore", bad)
				if code != 3 || !strings.Contains(out, "username: must be 1 to 100 characters: lowercase letters a-z") {
					t.Errorf("user add %q: exit %d %s, want 3 naming the username rule", bad, code, out)
				}
			}
			// An account written before the rule is listed quoted, on one line.
			raw := openRaw(t, backend, databaseURL(vars))
			if _, err := raw.Exec(`INSERT INTO accounts (username, roles, password_hash, created_at, demo) VALUES ($1, 'admin', 'x', $2, false)`,
				"legacy\nadmin-anna  [admin]  active", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			code, out := cli(t, vars, "", "user", "list")
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], `"legacy\nadmin-anna  [admin]  active"`) {
				t.Errorf("user list: exit %d, %d lines, want the header and one quoted row:\n%s", code, len(lines), out)
			}
		})
	}
}

// databaseURL is where the CLI's store is for vars.
func databaseURL(vars map[string]string) string {
	if u := vars["SERENADE_DATABASE_URL"]; u != "" {
		return u
	}
	return vars["SERENADE_DATA_DIR"] + "/serenade.db"
}
