package app_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/syncbuf"
)

// waitReadyz polls /readyz until it answers want, in a bounded loop.
func waitReadyz(t *testing.T, s *apptest.Server, want int) apptest.Response {
	t.Helper()
	var res apptest.Response
	for range 400 {
		if res = s.Do(t, http.MethodGet, "/readyz", "", nil); res.Status == want {
			return res
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("/readyz stayed %d %s, want %d", res.Status, res.Body, want)
	return res
}

// TestReadyzFailsWhileTheKeysCannotOpenTheDataKeys: the key file loses
// the version the data keys use, or holds it with other bytes (its check
// value does not open) → 503 and
// one error log line naming the version; restored → 200 again.
func TestReadyzFailsWhileTheKeysCannotOpenTheDataKeys(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var logs syncbuf.Buffer
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true,
				Log:  slog.New(slog.NewJSONHandler(&logs, nil)),
				Edit: func(c *app.Config) { c.KeyCheckInterval = 20 * time.Millisecond }})
			waitReadyz(t, s, http.StatusOK)
			good, err := keyring.ReadMasterKeyFile(s.Config.MasterKeyFile)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := good.Current()
			other, _ := keyring.NewKey()
			for name, broken := range map[string]keyring.MasterKeys{
				"version removed":          {v + 1: other},
				"version with other bytes": {v: other},
			} {
				if err := keyring.WriteMasterKeyFile(s.Config.MasterKeyFile, broken); err != nil {
					t.Fatal(err)
				}
				res := waitReadyz(t, s, http.StatusServiceUnavailable)
				if !strings.Contains(string(res.Body), "master keys do not match") {
					t.Errorf("%s: /readyz body %s does not say why", name, res.Body)
				}
				if err := keyring.WriteMasterKeyFile(s.Config.MasterKeyFile, good); err != nil {
					t.Fatal(err)
				}
				waitReadyz(t, s, http.StatusOK)
			}
			out := logs.String()
			notReady := fmt.Sprintf("master key version %d", v)
			if n := strings.Count(out, `"level":"ERROR"`); n != 2 || strings.Count(out, notReady) != 2 {
				t.Errorf("want one error line per outage naming version %d, got %d error lines:\n%s", v, n, out)
			}
			if strings.Count(out, "ready again") != 2 {
				t.Errorf("want a line each time readiness came back:\n%s", out)
			}
		})
	}
}

// TestReadyzFailsAtOnceWhenADataKeyDoesNotOpen: with a check interval
// far beyond the test, a read that cannot open its data key triggers the
// check by itself.
func TestReadyzFailsAtOnceWhenADataKeyDoesNotOpen(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true,
				Edit: func(c *app.Config) { c.KeyCheckInterval = time.Hour }})
			tok := s.Login(t, "dottore-alice", "alice")
			good, err := keyring.ReadMasterKeyFile(s.Config.MasterKeyFile)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := good.Current()
			other, _ := keyring.NewKey()
			// Version v with other bytes: the process, once reloaded, holds
			// no key that opens the data keys (a version merely missing
			// would stay usable from memory for a short grace).
			if err := keyring.WriteMasterKeyFile(s.Config.MasterKeyFile, keyring.MasterKeys{v: other}); err != nil {
				t.Fatal(err)
			}
			if err := s.App.Store().ReloadKeys(); err != nil {
				t.Fatal(err)
			}
			if res := s.Do(t, http.MethodGet, "/api/v1/patients/1", tok, nil); res.Status != http.StatusInternalServerError {
				t.Fatalf("read without its master key = %d %s, want 500", res.Status, res.Body)
			}
			waitReadyz(t, s, http.StatusServiceUnavailable)
			if err := keyring.WriteMasterKeyFile(s.Config.MasterKeyFile, good); err != nil {
				t.Fatal(err)
			}
			if err := s.App.ReloadKeys(); err != nil { // what SIGHUP does
				t.Fatal(err)
			}
			waitReadyz(t, s, http.StatusOK)
			if res := s.Do(t, http.MethodGet, "/api/v1/patients/1", tok, nil); res.Status != http.StatusOK {
				t.Errorf("read after the key came back = %d %s", res.Status, res.Body)
			}
		})
	}
}
