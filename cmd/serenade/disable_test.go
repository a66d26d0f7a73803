package main

import (
	"net/http"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
)

// TestUserDisableRefusesLiveTokens disables an account with the CLI while
// a server runs and the account's token is live: the server refuses the
// token within its account check's TTL (one second here), polled in a
// bounded loop.
func TestUserDisableRefusesLiveTokens(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Edit: func(c *app.Config) { c.AccountCheckTTL = time.Second }})
			vars := map[string]string{"SERENADE_DATA_DIR": s.Config.DataDir, "SERENADE_DATABASE_URL": s.Config.DatabaseURL}
			if code, out := cli(t, vars, "rita's long secret\n", "user", "add", "--role", "dottore", "dottore-rita"); code != 0 {
				t.Fatalf("user add: %d %s", code, out)
			}
			tok := s.Login(t, "dottore-rita", "rita's long secret")
			if res := s.Do(t, http.MethodGet, "/api/v1/me", tok, nil); res.Status != http.StatusOK {
				t.Fatalf("live token: %d %s", res.Status, res.Body)
			}
			if code, out := cli(t, vars, "", "user", "disable", "dottore-rita"); code != 0 {
				t.Fatalf("user disable: %d %s", code, out)
			}
			for range 200 {
				res := s.Do(t, http.MethodGet, "/api/v1/me", tok, nil)
				if res.Status == http.StatusUnauthorized {
					return
				}
				if res.Status != http.StatusOK {
					t.Fatalf("GET /me: %d %s", res.Status, res.Body)
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Fatal("the disabled account's token still works after 200 polls")
		})
	}
}
