package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
)

// doctorClaims returns a valid claim set from the test provider for the
// doctor the tests sign in as, with the subject and email the tests
// expect, to be altered by each test.
func doctorClaims(p *oidctest.Provider) map[string]any {
	c := p.Claims("dottore-alice", "dottore")
	c["sub"], c["email"] = "user-42", "alice@serenade.test"
	return c
}

// newVerifier builds a verifier whose calls go through client (nil: a
// client of the test's own).
func newVerifier(t *testing.T, cfg OIDCConfig, client *http.Client) *OIDCVerifier {
	t.Helper()
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	v, err := NewOIDCVerifier(context.Background(), cfg, client)
	if err != nil {
		t.Fatalf("NewOIDCVerifier: %v", err)
	}
	return v
}

// wantUnauthenticated fails unless err is a domain Unauthenticated error.
func wantUnauthenticated(t *testing.T, p domain.Principal, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, principal %+v; want unauthenticated", p)
	}
	if domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("error %v is of kind %v; want unauthenticated", err, domain.KindOf(err))
	}
	var de *domain.Error
	if errors.As(err, &de) && strings.ContainsAny(de.Message, "{}\"%") {
		t.Errorf("message %q looks like it leaks internals", de.Message)
	}
}

// fakeClock is a settable clock for the key set's refetch bound.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
