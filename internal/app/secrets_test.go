package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"serenade/internal/app"
)

// secretFile writes contents to a file of the given mode and returns its path.
func secretFile(t *testing.T, contents string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(contents), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every secret variable may come from NAME_FILE, as container platforms
// mount secrets: the file's contents less one final end of line.
func TestSecretVariablesFromFiles(t *testing.T) {
	t.Parallel()
	const url = "postgres://serenade:s3cr%20et@db:5432/serenade?sslmode=disable"
	for name, tc := range map[string]struct {
		contents, want string
	}{
		"a final newline is dropped":             {url + "\n", url},
		"a final CRLF is dropped":                {url + "\r\n", url},
		"no final newline":                       {url, url},
		"only one final newline is dropped":      {url + "\n\n", url + "\n"},
		"inner and leading spaces are kept":      {"  " + url + "\n", "  " + url},
		"a secret ending in spaces keeps them":   {"pa ss  \n", "pa ss  "},
		"a secret with an inner newline is kept": {"a\nb\n", "a\nb"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := configFrom(map[string]string{
				"SERENADE_DATABASE_URL_FILE":       secretFile(t, tc.contents, 0o600),
				"SERENADE_OIDC_CLIENT_SECRET_FILE": secretFile(t, tc.contents, 0o400),
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.DatabaseURL != tc.want || c.OIDC.ClientSecret != tc.want {
				t.Errorf("database URL %q, client secret %q; want %q", c.DatabaseURL, c.OIDC.ClientSecret, tc.want)
			}
		})
	}
	t.Run("the plain variables still work", func(t *testing.T) {
		c, err := configFrom(map[string]string{"SERENADE_DATABASE_URL": url, "SERENADE_OIDC_CLIENT_SECRET": "abc"})
		if err != nil || c.DatabaseURL != url || c.OIDC.ClientSecret != "abc" {
			t.Fatalf("config %q %q, %v", c.DatabaseURL, c.OIDC.ClientSecret, err)
		}
	})
}

// A secret file is refused, naming the variable but never the secret,
// when it is set besides the plain variable, missing, empty, or readable
// by group or others.
func TestSecretFilesAreRefused(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-do-not-print"
	for _, name := range []string{"SERENADE_DATABASE_URL", "SERENADE_OIDC_CLIENT_SECRET"} {
		for why, env := range map[string]map[string]string{
			"both set":           {name: "x", name + "_FILE": secretFile(t, secret, 0o600)},
			"missing file":       {name + "_FILE": filepath.Join(t.TempDir(), "absent")},
			"empty file":         {name + "_FILE": secretFile(t, "\n", 0o600)},
			"group-readable":     {name + "_FILE": secretFile(t, secret, 0o640)},
			"world-readable":     {name + "_FILE": secretFile(t, secret, 0o644)},
			"a directory":        {name + "_FILE": t.TempDir()},
			"world-readable 444": {name + "_FILE": secretFile(t, secret, 0o444)},
		} {
			_, err := configFrom(env)
			if err == nil {
				t.Errorf("%s: %s was accepted", name, why)
				continue
			}
			if !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), secret) {
				t.Errorf("%s: %s: error %q should name the variable and not the secret", name, why, err)
			}
		}
	}
}

// The master key has had its file variable from the start: both set is
// an error there too.
func TestMasterKeyAndItsFileAreExclusive(t *testing.T) {
	t.Parallel()
	_, err := configFrom(map[string]string{"SERENADE_MASTER_KEY": "x", "SERENADE_MASTER_KEY_FILE": "/k"})
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("err = %v, want a refusal of both", err)
	}
}

func TestRequireAudienceSetting(t *testing.T) {
	t.Parallel()
	c, err := configFrom(map[string]string{"SERENADE_OIDC_REQUIRE_AUDIENCE": "true"})
	if err != nil || !c.OIDC.RequireAudience {
		t.Fatalf("RequireAudience = %v, %v; want true", c.OIDC.RequireAudience, err)
	}
	if d := app.Defaults(); d.OIDC.RequireAudience {
		t.Error("the azp fallback is off by default")
	}
	if _, err := configFrom(map[string]string{"SERENADE_OIDC_REQUIRE_AUDIENCE": "sometimes"}); err == nil {
		t.Error("a value that is not a boolean was accepted")
	}
}
