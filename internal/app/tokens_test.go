package app_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/password"
	"serenade/internal/service"
	"serenade/internal/testsupport/apptest"
)

// eventuallyRefused polls GET /me with token on each server until every
// one answers 401, for at most polls rounds (a bounded loop that stops by
// itself; no time is asserted). It fails if any server still accepts the
// token then, or answers anything but 200 or 401.
func eventuallyRefused(t *testing.T, token string, polls int, servers ...*apptest.Server) {
	t.Helper()
	pending := append([]*apptest.Server(nil), servers...)
	for range polls {
		var still []*apptest.Server
		for _, s := range pending {
			switch res := s.Do(t, http.MethodGet, "/api/v1/me", token, nil); res.Status {
			case http.StatusUnauthorized:
				if res.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("401 as %q, want a problem document", res.Header.Get("Content-Type"))
				}
			case http.StatusOK:
				still = append(still, s)
			default:
				t.Fatalf("GET /me: %d %s", res.Status, res.Body)
			}
		}
		if pending = still; len(pending) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%d of %d servers still accept the token after %d polls", len(pending), len(servers), polls)
}

func addAccount(t *testing.T, s *apptest.Server, username, pw string) {
	t.Helper()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := service.NewAccounts(s.App.Store()).CreateAccount(context.Background(), domain.Account{Username: username, Roles: []domain.Role{domain.RoleDoctor}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
}

// TestDisablingAnAccountRefusesItsLiveTokens disables an account while
// its token is live: within the account check's TTL (one second here)
// every replica refuses it, though it has not expired.
func TestDisablingAnAccountRefusesItsLiveTokens(t *testing.T) {
	t.Parallel()
	shortTTL := func(c *app.Config) { c.AccountCheckTTL = time.Second }
	t.Run("sqlite", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{Edit: shortTTL})
		addAccount(t, s, "dottore-rita", "rita-secret")
		token := s.Login(t, "dottore-rita", "rita-secret")
		eventuallyAccepted(t, s, token)
		if err := s.App.Store().DisableAccount(context.Background(), "dottore-rita"); err != nil {
			t.Fatal(err)
		}
		eventuallyRefused(t, token, 200, s)
	})
	t.Run("postgres, two replicas", func(t *testing.T) {
		first := apptest.Start(t, apptest.Options{Backend: "postgres", Edit: shortTTL})
		second := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
			shortTTL(c)
			c.DatabaseURL = first.Config.DatabaseURL
			c.MasterKeyFile = filepath.Join(first.Config.DataDir, "master.key")
		}})
		addAccount(t, first, "dottore-rita", "rita-secret")
		token := first.Login(t, "dottore-rita", "rita-secret")
		eventuallyAccepted(t, first, token)
		eventuallyAccepted(t, second, token)
		if err := second.App.Store().DisableAccount(context.Background(), "dottore-rita"); err != nil {
			t.Fatal(err)
		}
		eventuallyRefused(t, token, 200, first, second)
	})
}

func eventuallyAccepted(t *testing.T, s *apptest.Server, token string) {
	t.Helper()
	if res := s.Do(t, http.MethodGet, "/api/v1/me", token, nil); res.Status != http.StatusOK {
		t.Fatalf("live token: %d %s", res.Status, res.Body)
	}
}

// TestDemoTokensNeedDemoMode issues tokens under --demo, restarts on the
// same database without it: the demo account's token is refused at once
// (it would otherwise read every patient for its last minutes), a normal
// account's token still works.
func TestDemoTokensNeedDemoMode(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			withDemo := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			demoToken := withDemo.Login(t, demo.Doctor, "alice")
			addAccount(t, withDemo, "dottore-vera", "vera-secret")
			normalToken := withDemo.Login(t, "dottore-vera", "vera-secret")
			eventuallyAccepted(t, withDemo, demoToken)
			if err := withDemo.Stop(); err != nil {
				t.Fatal(err)
			}
			without := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
				c.DataDir = withDemo.Config.DataDir
				c.DatabaseURL = withDemo.Config.DatabaseURL
				c.MasterKeyFile = withDemo.Config.MasterKeyFile
			}})
			for _, path := range []string{"/api/v1/me", "/api/v1/patients", "/api/v1/patients/1"} {
				res := without.Do(t, http.MethodGet, path, demoToken, nil)
				if res.Status != http.StatusUnauthorized || res.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("demo token on %s without --demo: %d %s, want a 401 problem", path, res.Status, res.Body)
				}
			}
			eventuallyAccepted(t, without, normalToken)
		})
	}
}
