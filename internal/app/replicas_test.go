package app_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
)

// TestReplicasOnOnePostgreSQLKeepOneAuditChain runs two servers on the
// same database and master key, sends them concurrent requests, and
// checks the audit trail is one intact chain holding every request.
func TestReplicasOnOnePostgreSQLKeepOneAuditChain(t *testing.T) {
	t.Parallel()
	first := apptest.Start(t, apptest.Options{Backend: "postgres", Demo: true})
	// Both in demo mode: demo accounts' tokens are refused otherwise.
	second := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.DatabaseURL = first.Config.DatabaseURL
		c.MasterKeyFile = filepath.Join(first.Config.DataDir, "master.key")
	}})
	replicas := []*apptest.Server{first, second}
	// A token from one replica is good on the other: the signing key is
	// in the shared database.
	token := first.Login(t, "dottore-alice", "alice")
	const perReplica = 60
	var wg sync.WaitGroup
	for _, s := range replicas {
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perReplica / 6 {
					if res := s.Do(t, http.MethodGet, "/api/v1/patients/1", token, nil); res.Status != http.StatusOK {
						t.Errorf("replica read: %d %s", res.Status, res.Body)
					}
				}
			}()
		}
	}
	wg.Wait()
	n, err := first.App.Store().VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1 + 2*perReplica); n != want {
		t.Errorf("chain holds %d entries, want %d (one login and every read)", n, want)
	}
}
