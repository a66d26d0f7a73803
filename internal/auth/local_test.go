package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
)

var alice = domain.Principal{Subject: "acct-1", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor, domain.RoleAdmin}}

func newEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func newECDSA(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func newIssuer(t *testing.T, key crypto.Signer, now func() time.Time) *Issuer {
	t.Helper()
	i, err := NewIssuer(key, "serenade", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestIssuerRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		key  crypto.Signer
		alg  string
	}{
		{"an Ed25519 issuer signs with EdDSA and verifies its own token", newEd25519(t), "EdDSA"},
		{"a P-256 issuer signs with ES256 and verifies its own token", newECDSA(t, elliptic.P256()), "ES256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := newIssuer(t, tt.key, nil)
			token, expiresIn, err := i.Issue(alice)
			if err != nil {
				t.Fatal(err)
			}
			if expiresIn != DefaultAccessTokenTTL {
				t.Errorf("expiresIn = %v, want %v", expiresIn, DefaultAccessTokenTTL)
			}
			if alg := oidctest.Header(t, token)["alg"]; alg != tt.alg {
				t.Errorf("alg = %v, want %s", alg, tt.alg)
			}
			got, err := i.Verify(token)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != alice.Subject || got.Username != alice.Username || !slices.Equal(got.Roles, alice.Roles) {
				t.Errorf("principal = %+v, want %+v", got, alice)
			}
		})
	}
}

func TestIssuerWritesTheDocumentedClaims(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	i, err := NewIssuer(newEd25519(t), "serenade", 10*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	token, expiresIn, err := i.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	c := oidctest.Payload(t, token)
	want := map[string]any{
		"iss": "serenade", "sub": "acct-1", "preferred_username": "dottore-alice",
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(now.Add(10 * time.Minute).Unix()),
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if roles, _ := c["roles"].([]any); len(roles) != 2 || roles[0] != "dottore" || roles[1] != "admin" {
		t.Errorf("roles = %v, want [dottore admin]", c["roles"])
	}
	if jti, _ := c["jti"].(string); len(jti) < 16 {
		t.Errorf("jti = %q, want a random identifier", c["jti"])
	}
	if expiresIn != 10*time.Minute || oidctest.Header(t, token)["typ"] != "at+jwt" {
		t.Errorf("expiresIn = %v, typ = %v", expiresIn, oidctest.Header(t, token)["typ"])
	}
}

func TestIssuerRefusesBadTokens(t *testing.T) {
	key := newEd25519(t)
	clock := &fakeClock{t: time.Now()}
	i := newIssuer(t, key, clock.Now)
	good, _, err := i.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	otherIssuer := newIssuer(t, newEd25519(t), clock.Now)
	foreign, _, _ := otherIssuer.Issue(alice)
	claims := oidctest.Payload(t, good)

	tests := []struct {
		name  string
		token string
		at    time.Duration // how long after issue it is verified
	}{
		{"an expired token is refused", good, DefaultAccessTokenTTL + time.Minute},
		{"a token used before it was issued is refused", good, -time.Minute},
		{"a token with a tampered payload is refused", oidctest.WithPayload(t, good, with(claims, "roles", []string{"admin", "dottore", "iit"})), 0},
		{"a token signed by another key is refused", foreign, 0},
		{"a token signed with ES256 is refused by an EdDSA issuer", signLocal(t, jose.ES256, newECDSA(t, elliptic.P256()), claims), 0},
		{"an HS256 token keyed with the public key is refused", signLocal(t, jose.HS256, []byte(key.Public().(ed25519.PublicKey)), claims), 0},
		{"an unsigned alg none token is refused", oidctest.Unsigned(t, claims), 0},
		{"a token from another issuer is refused", signLocal(t, jose.EdDSA, key, with(claims, "iss", "elsewhere")), 0},
		{"a token without roles claim is refused", signLocal(t, jose.EdDSA, key, with(claims, "roles", nil)), 0},
		{"a token without at+jwt type is refused", oidctest.Sign(t, jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, claims), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.at)
			defer clock.Advance(-tt.at)
			got, err := i.Verify(tt.token)
			wantUnauthenticated(t, got, err)
			t.Logf("refused: %v", err)
		})
	}
}

func TestIssuerToleratesSmallClockSkew(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	i := newIssuer(t, newECDSA(t, elliptic.P256()), clock.Now)
	token, _, err := i.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Duration
	}{
		{"a token checked 20s before its issue time is accepted", -20 * time.Second},
		{"a token checked 20s after its expiry is accepted", DefaultAccessTokenTTL + 20*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.at)
			defer clock.Advance(-tt.at)
			if _, err := i.Verify(token); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNewIssuerRefusesUnsuitableKeys(t *testing.T) {
	tests := []struct {
		name string
		key  crypto.Signer
	}{
		{"a P-384 key is refused", newECDSA(t, elliptic.P384())},
		{"an RSA key is refused", oidctest.NewRSAKey(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewIssuer(tt.key, "serenade", 0, nil); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// with returns a copy of claims with key set to v, or removed when v is nil.
func with(claims map[string]any, key string, v any) map[string]any {
	c := make(map[string]any, len(claims))
	for k, val := range claims {
		c[k] = val
	}
	if v == nil {
		delete(c, key)
	} else {
		c[key] = v
	}
	return c
}

func signLocal(t *testing.T, alg jose.SignatureAlgorithm, key any, claims map[string]any) string {
	t.Helper()
	return oidctest.SignTyped(t, jose.SigningKey{Algorithm: alg, Key: key}, accessTokenType, claims)
}
