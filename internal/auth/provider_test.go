package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"serenade/internal/domain"
)

// fakeProvider is a minimal OpenID Connect provider: a discovery document
// and a JWKS served by httptest, with an RSA key the tests sign with. It
// counts JWKS requests so tests can see when the verifier refetches.
type fakeProvider struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	kid      string
	jwksHits atomic.Int32

	mu        sync.Mutex
	published []jose.JSONWebKey
}

func newFakeProvider(t *testing.T) *fakeProvider {
	t.Helper()
	p := &fakeProvider{key: newRSAKey(t), kid: "key-1"}
	p.publish(p.key, p.kid)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /keys", p.serveJWKS)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func (p *fakeProvider) issuer() string { return p.srv.URL }

// publish adds the public half of key to the served JWKS.
func (p *fakeProvider) publish(key *rsa.PrivateKey, kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
}

func (p *fakeProvider) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                p.issuer(),
		"jwks_uri":                              p.issuer() + "/keys",
		"authorization_endpoint":                p.issuer() + "/auth",
		"token_endpoint":                        p.issuer() + "/token",
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (p *fakeProvider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	p.jwksHits.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, jose.JSONWebKeySet{Keys: p.published})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// claims returns a valid claim set for the fake provider, to be altered
// by each test.
func (p *fakeProvider) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":                p.issuer(),
		"sub":                "user-42",
		"aud":                "serenade",
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(5 * time.Minute).Unix(),
		"preferred_username": "dottore-alice",
		"email":              "alice@serenade.test",
		"groups":             []string{"dottore"},
	}
}

// mint signs claims with the provider's key and kid.
func (p *fakeProvider) mint(t *testing.T, claims map[string]any) string {
	t.Helper()
	return signRS256(t, p.key, p.kid, claims)
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	return sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, claims)
}

func sign(t *testing.T, key jose.SigningKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// unsignedToken builds an "alg":"none" token, which go-jose will not
// produce.
func unsignedToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	return segment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + segment(t, claims) + "."
}

// hmacWithPublicKey signs claims with HS256 keyed by the PEM of the RSA
// public key: the algorithm-confusion forgery that a verifier trusting the
// token's "alg" would accept.
func hmacWithPublicKey(t *testing.T, pub *rsa.PublicKey, kid string, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: kid}}, claims)
}

// withPayload replaces the payload of a signed token, keeping header and
// signature: a tampered token.
func withPayload(t *testing.T, token string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	return parts[0] + "." + segment(t, claims) + "." + parts[2]
}

// payloadOf decodes the claims of a token without verifying it.
func payloadOf(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func segment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func newVerifier(t *testing.T, cfg OIDCConfig, client *http.Client) *OIDCVerifier {
	t.Helper()
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
