// Package oidctest is a minimal OpenID Connect provider for tests that
// need tokens a real provider would not issue (expired, forged, signed
// with the wrong algorithm): a discovery document and a JWKS served by
// httptest, with an RSA key the tests sign with. Logins through a real
// provider use dextest instead.
package oidctest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Provider serves discovery and keys; it counts JWKS requests so tests
// can see when a verifier refetches.
type Provider struct {
	Key      *rsa.PrivateKey
	KID      string
	JWKSHits atomic.Int32

	srv       *httptest.Server
	mu        sync.Mutex
	published []jose.JSONWebKey
	raw       []json.RawMessage // keys as a provider wrote them, after published
}

// Start serves a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{Key: NewRSAKey(t), KID: "key-1"}
	p.Publish(p.Key, p.KID)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /keys", p.serveJWKS)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// NewRSAKey returns a fresh 2048-bit key.
func NewRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.srv.URL }

// Publish adds the public half of key to the served JWKS.
func (p *Provider) Publish(key *rsa.PrivateKey, kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                p.Issuer(),
		"jwks_uri":                              p.Issuer() + "/keys",
		"authorization_endpoint":                p.Issuer() + "/auth",
		"token_endpoint":                        p.Issuer() + "/token",
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

// PublishRaw adds a key to the served JWKS exactly as written, for the
// layouts go-jose would not produce (a certificate Go cannot parse).
func (p *Provider) PublishRaw(key json.RawMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.raw = append(p.raw, key)
}

func (p *Provider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	p.JWKSHits.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]json.RawMessage, 0, len(p.published)+len(p.raw))
	for _, k := range p.published {
		b, err := json.Marshal(k)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		keys = append(keys, b)
	}
	writeJSON(w, map[string]any{"keys": append(keys, p.raw...)})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Claims returns a valid claim set (audience "serenade", roles in
// "groups"), to be altered by each test.
func (p *Provider) Claims(username string, groups ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": p.Issuer(), "sub": "sub-" + username, "aud": "serenade",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"preferred_username": username, "email": username + "@serenade.test", "groups": groups,
	}
}

// Mint signs claims with the provider's key and kid (RS256).
func (p *Provider) Mint(t testing.TB, claims map[string]any) string {
	t.Helper()
	return SignRS256(t, p.Key, p.KID, claims)
}

// SignRS256 signs claims with an RSA key under kid.
func SignRS256(t testing.TB, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	return Sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, claims)
}

// Sign signs claims with any go-jose signing key, with "typ" JWT.
func Sign(t testing.TB, key jose.SigningKey, claims map[string]any) string {
	t.Helper()
	return SignTyped(t, key, "JWT", claims)
}

// SignTyped signs claims with any go-jose signing key, with the given
// "typ" header (such as "at+jwt").
func SignTyped(t testing.TB, key jose.SigningKey, typ string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(marshal(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Unsigned builds an "alg":"none" token, which go-jose will not produce.
func Unsigned(t testing.TB, claims map[string]any) string {
	t.Helper()
	return Segment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + Segment(t, claims) + "."
}

// HMACWithPublicKey signs claims with HS256 keyed by the PEM of the RSA
// public key: the algorithm-confusion forgery that a verifier trusting
// the token's "alg" would accept.
func HMACWithPublicKey(t testing.TB, pub *rsa.PublicKey, kid string, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return Sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: kid}}, claims)
}

// WithPayload replaces the payload of a signed token, keeping header and
// signature: a tampered token.
func WithPayload(t testing.TB, token string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	return parts[0] + "." + Segment(t, claims) + "." + parts[2]
}

// Payload decodes the claims of a token without verifying it.
func Payload(t testing.TB, token string) map[string]any {
	t.Helper()
	return decodeSegment(t, token, 1)
}

// Header decodes the JOSE header of a token ("alg", "kid", "typ").
func Header(t testing.TB, token string) map[string]any {
	t.Helper()
	return decodeSegment(t, token, 0)
}

func decodeSegment(t testing.TB, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) <= i {
		t.Fatalf("token has %d segments, no segment %d", len(parts), i)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Segment is the base64url JSON of v, as in a JWT.
func Segment(t testing.TB, v any) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString(marshal(t, v))
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CertWithNegativeSerial is a self-signed certificate for key whose
// serial number is negative, which Go's x509 parser refuses (Keycloak
// and older tools have issued such certificates). Go will not create
// one, so the serial's first byte is set after signing: parsing fails on
// the serial before any signature is looked at.
func CertWithNegativeSerial(t testing.TB, key *rsa.PrivateKey) []byte {
	t.Helper()
	serial := new(big.Int).SetBytes(bytes.Repeat([]byte{0x42}, 16))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "serenade"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(der, append([]byte{0x02, 0x10}, serial.Bytes()...))
	if at < 0 {
		t.Fatal("serial not found in the certificate")
	}
	der[at+2] = 0xC2 // high bit set: a negative INTEGER, still minimally encoded
	if _, err := x509.ParseCertificate(der); err == nil || !strings.Contains(err.Error(), "negative serial") {
		t.Fatalf("ParseCertificate = %v, want a refusal of the negative serial", err)
	}
	return der
}

// KeycloakJWK is a JWKS entry as Keycloak publishes it: key material
// (n and e, when withMaterial), certificate chain and both thumbprints.
func KeycloakJWK(t testing.TB, kid string, key *rsa.PrivateKey, der []byte, withMaterial bool) json.RawMessage {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	s1, s256 := sha1.Sum(der), sha256.Sum256(der)
	m := map[string]any{"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
		"x5c": []string{base64.StdEncoding.EncodeToString(der)}, "x5t": b64(s1[:]), "x5t#S256": b64(s256[:])}
	if withMaterial {
		m["n"], m["e"] = b64(key.PublicKey.N.Bytes()), b64(big.NewInt(int64(key.PublicKey.E)).Bytes())
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
