package auth

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
)

func groupsConfig(p *oidctest.Provider) OIDCConfig {
	return OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
}

func TestOIDCVerifierRefusesBadTokens(t *testing.T) {
	p := oidctest.Start(t)
	v := newVerifier(t, groupsConfig(p), nil)
	now := time.Now()
	with := func(edit func(c map[string]any)) string {
		c := doctorClaims(p)
		edit(c)
		return p.Mint(t, c)
	}
	otherKey := oidctest.NewRSAKey(t)

	tests := []struct {
		name  string
		token string
	}{
		{"an expired token is refused", with(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() })},
		{"a token not yet valid is refused", with(func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() })},
		{"a token issued in the future is refused", with(func(c map[string]any) { c["iat"] = now.Add(2 * time.Minute).Unix() })},
		{"a token without expiry is refused", with(func(c map[string]any) { delete(c, "exp") })},
		{"a token from another issuer is refused", with(func(c map[string]any) { c["iss"] = "https://evil.example" })},
		{"a token for another audience is refused", with(func(c map[string]any) { c["aud"] = "someone-else" })},
		{"a token for another audience and authorized party is refused", with(func(c map[string]any) {
			c["aud"], c["azp"] = "account", "someone-else"
		})},
		{"a token without subject is refused", with(func(c map[string]any) { delete(c, "sub") })},
		{"a token missing the roles claim is refused", with(func(c map[string]any) { delete(c, "groups") })},
		{"a token whose roles claim is not a list is refused", with(func(c map[string]any) { c["groups"] = 42 })},
		{"an unsigned alg none token is refused", oidctest.Unsigned(t, doctorClaims(p))},
		{"an HS256 token keyed with the provider's public key is refused", oidctest.HMACWithPublicKey(t, &p.Key.PublicKey, p.KID, doctorClaims(p))},
		{"a token signed by an unknown key under a known kid is refused", oidctest.SignRS256(t, otherKey, p.KID, doctorClaims(p))},
		{"a token signed by an unknown kid is refused", oidctest.SignRS256(t, otherKey, "key-unknown", doctorClaims(p))},
		{"a token with a tampered payload is refused", oidctest.WithPayload(t, p.Mint(t, doctorClaims(p)), func() map[string]any {
			c := doctorClaims(p)
			c["groups"] = []string{"admin"}
			return c
		}())},
		{"a token that is not a JWT is refused", "not-a-jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			wantUnauthenticated(t, got, err)
			t.Logf("refused: %v", err)
		})
	}
}

func TestOIDCVerifierAcceptsGoodTokens(t *testing.T) {
	p := oidctest.Start(t)
	now := time.Now()
	tests := []struct {
		name  string
		cfg   func(OIDCConfig) OIDCConfig
		edit  func(map[string]any)
		want  domain.Principal
		roles []domain.Role
	}{
		{
			name: "a token with the client in aud is accepted",
			edit: func(map[string]any) {},
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token with the client only in azp is accepted, as Keycloak issues them",
			cfg:  func(c OIDCConfig) OIDCConfig { c.Audience = "serenade-api"; return c },
			edit: func(c map[string]any) { c["aud"], c["azp"] = "account", "serenade" },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token with the configured audience among several is accepted",
			cfg:  func(c OIDCConfig) OIDCConfig { c.Audience = "serenade-api"; return c },
			edit: func(c map[string]any) { c["aud"] = []string{"account", "serenade-api"} },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token expired within the leeway is accepted",
			edit: func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token valid from within the leeway is accepted",
			edit: func(c map[string]any) { c["nbf"] = now.Add(10 * time.Second).Unix() },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token with only unknown roles yields a principal without roles",
			edit: func(c map[string]any) { c["groups"] = []string{"ospiti", "staff"} },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{}},
		},
		{
			name: "a token with several roles yields them once each in matrix order",
			edit: func(c map[string]any) { c["groups"] = []string{"admin", "dottore", "admin", "staff"} },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor, domain.RoleAdmin}},
		},
		{
			name: "a Keycloak token with realm roles mapped by the role map is read",
			cfg: func(c OIDCConfig) OIDCConfig {
				c.RolesClaim = ""
				c.RoleMap = map[string]string{"serenade-doctor": "dottore", "serenade-dpo": "admin"}
				return c
			},
			edit: func(c map[string]any) {
				delete(c, "groups")
				c["realm_access"] = map[string]any{"roles": []string{"serenade-doctor", "dottore", "offline_access"}}
			},
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token whose roles claim name contains dots is read",
			cfg:  func(c OIDCConfig) OIDCConfig { c.RolesClaim = "https://serenade.test/roles"; return c },
			edit: func(c map[string]any) { c["https://serenade.test/roles"] = "imt" },
			want: domain.Principal{Subject: "user-42", Username: "dottore-alice", Roles: []domain.Role{domain.RoleMonitoring}},
		},
		{
			name: "a token without preferred_username is named by its email",
			edit: func(c map[string]any) { delete(c, "preferred_username") },
			want: domain.Principal{Subject: "user-42", Username: "alice@serenade.test", Roles: []domain.Role{domain.RoleDoctor}},
		},
		{
			name: "a token without any name is named by its subject",
			edit: func(c map[string]any) { delete(c, "preferred_username"); delete(c, "email") },
			want: domain.Principal{Subject: "user-42", Username: "user-42", Roles: []domain.Role{domain.RoleDoctor}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := groupsConfig(p)
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			v := newVerifier(t, cfg, nil)
			c := doctorClaims(p)
			tt.edit(c)
			got, err := v.Verify(context.Background(), p.Mint(t, c))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.Subject != tt.want.Subject || got.Username != tt.want.Username || !slices.Equal(got.Roles, tt.want.Roles) {
				t.Errorf("principal = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewOIDCVerifierRefusesBadConfiguration(t *testing.T) {
	p := oidctest.Start(t)
	tests := []struct {
		name string
		cfg  OIDCConfig
	}{
		{"a configuration without issuer is refused", OIDCConfig{ClientID: "serenade"}},
		{"a configuration without client or audience is refused", OIDCConfig{Issuer: p.Issuer()}},
		{"a role map onto an unknown role is refused", OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RoleMap: map[string]string{"x": "root"}}},
		{"an issuer that differs from the discovered one is refused", OIDCConfig{Issuer: p.Issuer() + "/", ClientID: "serenade"}},
		{"an unreachable provider is refused", OIDCConfig{Issuer: "http://127.0.0.1:1", ClientID: "serenade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewOIDCVerifier(context.Background(), tt.cfg, &http.Client{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// The provider is only ever called through the client the caller gives:
// without one, the verifier is refused rather than falling back on the
// process-wide http.DefaultClient; with one, every call goes through it.
func TestNewOIDCVerifierCallsTheProviderThroughTheGivenClient(t *testing.T) {
	p := oidctest.Start(t)
	cfg := groupsConfig(p)
	if _, err := NewOIDCVerifier(context.Background(), cfg, nil); err == nil {
		t.Fatal("a verifier without an HTTP client was built")
	}
	var calls atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := NewOIDCVerifier(context.Background(), cfg, client); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got < 2 { // discovery and keys
		t.Errorf("calls through the given client = %d, want discovery and keys (2)", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The key set must not let a stream of forged tokens turn into a stream of
// requests to the provider, yet must still pick up a rotated key.
func TestOIDCVerifierBoundsKeyRefetches(t *testing.T) {
	p := oidctest.Start(t)
	v := newVerifier(t, groupsConfig(p), nil)
	clock := &fakeClock{t: time.Now()}
	v.keys.now = clock.Now
	stranger := oidctest.NewRSAKey(t)
	hits := func() int { return int(p.JWKSHits.Load()) }
	verify := func(token string) error {
		_, err := v.Verify(context.Background(), token)
		return err
	}

	t.Run("the keys are fetched once at start", func(t *testing.T) {
		if hits() != 1 {
			t.Fatalf("JWKS fetched %d times, want 1", hits())
		}
	})
	t.Run("a token with a known kid verifies without a fetch", func(t *testing.T) {
		if err := verify(p.Mint(t, doctorClaims(p))); err != nil {
			t.Fatal(err)
		}
		if hits() != 1 {
			t.Fatalf("JWKS fetched %d times, want 1", hits())
		}
	})
	t.Run("a bad signature under a known kid causes no fetch", func(t *testing.T) {
		_ = verify(oidctest.SignRS256(t, stranger, p.KID, doctorClaims(p)))
		if hits() != 1 {
			t.Fatalf("JWKS fetched %d times, want 1", hits())
		}
	})
	t.Run("many concurrent unknown kids cause one refetch", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 20 {
			token := oidctest.SignRS256(t, stranger, "ghost-"+string(rune('a'+i)), doctorClaims(p))
			wg.Go(func() { _ = verify(token) })
		}
		wg.Wait()
		if hits() != 2 {
			t.Fatalf("JWKS fetched %d times, want 2", hits())
		}
	})
	t.Run("a rotated key is refused until the interval has passed", func(t *testing.T) {
		p.Publish(stranger, "key-2")
		if err := verify(oidctest.SignRS256(t, stranger, "key-2", doctorClaims(p))); err == nil {
			t.Fatal("accepted before the refetch interval passed")
		}
		if hits() != 2 {
			t.Fatalf("JWKS fetched %d times, want 2", hits())
		}
	})
	t.Run("a rotated key is picked up by one refetch after the interval", func(t *testing.T) {
		clock.Advance(DefaultKeyRefetchInterval)
		for range 5 {
			if err := verify(oidctest.SignRS256(t, stranger, "key-2", doctorClaims(p))); err != nil {
				t.Fatal(err)
			}
		}
		if hits() != 3 {
			t.Fatalf("JWKS fetched %d times, want 3", hits())
		}
	})
}
