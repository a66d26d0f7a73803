package app_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/auth"
	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/oidctest"
)

// The identity provider's clock runs ahead of, or behind, the clocks of
// two replicas sharing one database: a token whose times are off by less
// than the documented leeway (auth.DefaultOIDCLeeway) is accepted by both
// replicas, one off by more is refused by both (401 problem+json). Ahead,
// the token looks issued in the future; behind, a short-lived token looks
// expired. The system clock is not touched: the provider's times are
// shifted in the claims it signs.
func TestClockSkewBetweenReplicasAndTheProvider(t *testing.T) {
	t.Parallel()
	p := oidctest.Start(t)
	withOIDC := func(c *app.Config) {
		c.OIDC = app.OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
	}
	first := apptest.Start(t, apptest.Options{Backend: "postgres", Edit: withOIDC})
	second := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
		withOIDC(c)
		c.DatabaseURL, c.MasterKeyFile = first.Config.DatabaseURL, filepath.Join(first.Config.DataDir, "master.key")
	}})
	const margin = 10 * time.Second // far above the time between minting and using a token
	leeway, lifetime := auth.DefaultOIDCLeeway, time.Minute
	cases := []struct {
		skew   time.Duration // the provider's clock minus the replicas'
		accept bool
	}{
		{leeway - margin, true},               // ahead, within the leeway
		{leeway + margin, false},              // ahead, beyond
		{-(lifetime + leeway - margin), true}, // behind: expired by less than the leeway
		{-(lifetime + leeway + margin), false},
	}
	for i, c := range cases {
		claims := p.Claims(fmt.Sprintf("skewed-%d", i), string(domain.RoleDoctor))
		at := time.Now().Add(c.skew)
		claims["iat"], claims["nbf"], claims["exp"] = at.Unix(), at.Unix(), at.Add(lifetime).Unix()
		token := p.Mint(t, claims)
		want := http.StatusUnauthorized
		if c.accept {
			want = http.StatusOK
		}
		for name, s := range map[string]*apptest.Server{"first": first, "second": second} {
			res := s.Do(t, http.MethodGet, "/api/v1/patients", token, nil)
			if res.Status != want {
				t.Errorf("provider's clock off by %s, %s replica: %d %s, want %d", c.skew, name, res.Status, res.Body, want)
			}
		}
	}
}
