package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/dextest"
)

// startOIDCServer starts a demo server whose only login is the OpenID
// Connect provider at issuer, with roles in the "groups" claim.
func startOIDCServer(t *testing.T, issuer, clientID string) *apptest.Server {
	t.Helper()
	return apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.OIDC = app.OIDCConfig{Issuer: issuer, ClientID: clientID, RolesClaim: "groups"}
	}})
}

// checkUnauthenticated fails unless res is a 401 problem with a Bearer
// challenge.
func checkUnauthenticated(t *testing.T, res apptest.Response) {
	t.Helper()
	checkProblem(t, res, http.StatusUnauthorized)
	if ch := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") {
		t.Errorf("WWW-Authenticate %q, want a Bearer challenge", ch)
	}
}

func TestLoginThroughOpenIDConnectProvider(t *testing.T) {
	d := dextest.Start(t)
	s := startOIDCServer(t, d.Issuer, d.ClientID)

	t.Run("the local token endpoint is gone, even for the seeded demo accounts", func(t *testing.T) {
		p := checkProblem(t, postTokenForm(t, s, "dottore-alice", "alice"), http.StatusNotFound)
		if !strings.Contains(p.Detail, "identity provider") {
			t.Errorf("detail %q does not point to the identity provider", p.Detail)
		}
	})

	users := []struct {
		name, user, password string
		roles                []string
		allowed, forbidden   string // "METHOD path", answered 2xx and 403
	}{
		{"a doctor lists patients but may not delete documents", "dottore-alice", "alice", []string{"dottore"},
			"GET /api/v1/patients", "DELETE /api/v1/documents/1"},
		{"an installer lists installations but not patients", "iit-gennaro", "gennaro", []string{"iit"},
			"GET /api/v1/installations", "GET /api/v1/patients"},
		{"the monitoring team lists installations but not screening", "imt-vincenzo", "vincenzo", []string{"imt"},
			"GET /api/v1/installations", "GET /api/v1/screening"},
		{"a researcher lists screening but not patients", "ricercatore-stefano", "stefano", []string{"unimi"},
			"GET /api/v1/screening", "GET /api/v1/patients"},
		{"an admin sees who they are but no installations", "admin-anna", "anna", []string{"admin"},
			"GET /api/v1/me", "GET /api/v1/installations"},
		{"a doctor on the monitoring team lists patients but may not close tickets", "dottore-imt-marta", "marta", []string{"dottore", "imt"},
			"GET /api/v1/patients", "POST /api/v1/tickets/1/close"},
	}
	for _, tt := range users {
		t.Run(tt.name, func(t *testing.T) {
			tok := d.AccessToken(t, tt.user, tt.password)
			user, roles := whoAmI(t, s, tok)
			if user != tt.user || !slices.Equal(roles, tt.roles) {
				t.Errorf("/me = %s %v, want %s %v", user, roles, tt.user, tt.roles)
			}
			method, path, _ := strings.Cut(tt.allowed, " ")
			if res := s.Do(t, method, path, tok, nil); res.Status != http.StatusOK {
				t.Errorf("%s: %d %s, want 200", tt.allowed, res.Status, res.Body)
			}
			method, path, _ = strings.Cut(tt.forbidden, " ")
			checkProblem(t, s.Do(t, method, path, tok, nil), http.StatusForbidden)
		})
	}

	t.Run("a doctor on the monitoring team may open tickets, a monitoring job", func(t *testing.T) {
		tok := d.AccessToken(t, "dottore-imt-marta", "marta")
		var list struct {
			Installations []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"installations"`
		}
		s.Do(t, http.MethodGet, "/api/v1/installations", tok, nil).JSON(t, &list)
		for _, inst := range list.Installations {
			if inst.Status != "working" {
				continue
			}
			res := s.Do(t, http.MethodPost, "/api/v1/installations/"+inst.ID+"/tickets", tok,
				map[string]string{"category": "maintenance", "message": "No data from the hub since yesterday."})
			if res.Status == http.StatusConflict {
				continue // a maintenance ticket is already open there
			}
			if res.Status != http.StatusCreated {
				t.Fatalf("open ticket: %d %s", res.Status, res.Body)
			}
			return
		}
		t.Fatal("no working installation without an open maintenance ticket")
	})

	t.Run("a user whose groups are no study role is authenticated but forbidden everything, even /me", func(t *testing.T) {
		tok := d.AccessToken(t, "ospite-ugo", "ugo")
		for _, path := range []string{"/api/v1/me", "/api/v1/installations", "/api/v1/patients"} {
			checkProblem(t, s.Do(t, http.MethodGet, path, tok, nil), http.StatusForbidden)
		}
	})

	t.Run("a user whose token carries no groups claim is not authenticated", func(t *testing.T) {
		checkUnauthenticated(t, s.Do(t, http.MethodGet, "/api/v1/me", d.AccessToken(t, "senzagruppi-nino", "nino"), nil))
	})

	t.Run("a token of this provider presented to a server trusting another issuer is not authenticated", func(t *testing.T) {
		other := startOIDCServer(t, newStubProvider(t).issuer(), "serenade")
		tok := d.AccessToken(t, "dottore-alice", "alice")
		checkUnauthenticated(t, other.Do(t, http.MethodGet, "/api/v1/me", tok, nil))
		checkUnauthenticated(t, other.Do(t, http.MethodGet, "/api/v1/patients", tok, nil))
	})
}

func TestForgedProviderTokensAreRefusedByTheAPI(t *testing.T) {
	p := newStubProvider(t)
	s := startOIDCServer(t, p.issuer(), "serenade")

	t.Run("a genuine token of the provider is accepted, so the refusals below are about their one defect", func(t *testing.T) {
		user, roles := whoAmI(t, s, p.mint(t, p.claims()))
		if user != "dottore-alice" || !slices.Equal(roles, []string{"dottore"}) {
			t.Fatalf("/me = %s %v, want dottore-alice [dottore]", user, roles)
		}
		if res := s.Do(t, http.MethodGet, "/api/v1/patients", p.mint(t, p.claims()), nil); res.Status != http.StatusOK {
			t.Fatalf("GET /patients: %d %s", res.Status, res.Body)
		}
	})

	alter := func(change func(c map[string]any)) map[string]any {
		c := p.claims()
		change(c)
		return c
	}
	now := time.Now()
	otherKey := newRSAKeyForTest(t)
	tokens := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"an expired token", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) {
				c["iat"], c["nbf"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-10*time.Minute).Unix()
			}))
		}},
		{"a token not yet valid", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))
		}},
		{"a token issued in the future", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }))
		}},
		{"a token without an expiry", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { delete(c, "exp") }))
		}},
		{"a token naming another issuer", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["iss"] = "https://idp.example.org/realms/serenade" }))
		}},
		{"a token naming the issuer with a trailing slash", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["iss"] = p.issuer() + "/" }))
		}},
		{"a token for another audience", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["aud"] = "another-service" }))
		}},
		{"a token without an audience", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { delete(c, "aud") }))
		}},
		{"an unsigned token with alg none", func(t *testing.T) string {
			return unsignedJWT(t, p.claims())
		}},
		{"an HS256 token keyed with the provider's public key", func(t *testing.T) string {
			return hmacWithRSAPublicKey(t, &p.key.PublicKey, p.kid, p.claims())
		}},
		{"a token signed by an unpublished key under an unknown kid", func(t *testing.T) string {
			return signJWT(t, otherKey, "key-unknown", p.claims())
		}},
		{"a token signed by an unpublished key under the provider's kid", func(t *testing.T) string {
			return signJWT(t, otherKey, p.kid, p.claims())
		}},
		{"a token whose payload was changed after signing", func(t *testing.T) string {
			genuine := p.mint(t, alter(func(c map[string]any) { c["groups"] = []string{"iit"} }))
			return replacePayload(t, genuine, p.claims())
		}},
		{"a token whose signature was cut off", func(t *testing.T) string {
			genuine := p.mint(t, p.claims())
			return genuine[:strings.LastIndex(genuine, ".")+1]
		}},
		{"a token without the roles claim", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { delete(c, "groups") }))
		}},
		{"a token with the roles claim of the wrong shape", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { c["groups"] = map[string]any{"dottore": true} }))
		}},
		{"a token without a subject", func(t *testing.T) string {
			return p.mint(t, alter(func(c map[string]any) { delete(c, "sub") }))
		}},
		{"a string that is not a JWT", func(*testing.T) string { return "not-a-jwt" }},
	}
	for _, tt := range tokens {
		for _, path := range []string{"/api/v1/me", "/api/v1/patients"} {
			t.Run(tt.name+" is not authenticated on "+path, func(t *testing.T) {
				res := s.Do(t, http.MethodGet, path, tt.token(t), nil)
				checkUnauthenticated(t, res)
				if body := strings.ToLower(string(res.Body)); strings.Contains(body, "kid") || strings.Contains(body, "hs256") || strings.Contains(body, "rsa") {
					t.Errorf("the refusal tells a forger what failed: %s", res.Body)
				}
			})
		}
	}

	t.Run("a request without a token or with another scheme is not authenticated", func(t *testing.T) {
		checkUnauthenticated(t, s.Do(t, http.MethodGet, "/api/v1/me", "", nil))
		req, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("dottore-alice:alice")))
		checkUnauthenticated(t, s.Send(t, req))
	})

	t.Run("a valid token without a role the route needs is forbidden, not unauthenticated", func(t *testing.T) {
		for _, groups := range [][]string{{"iit"}, {"unimi"}, {"admin"}, {"ospiti"}, {}} {
			tok := p.mint(t, alter(func(c map[string]any) { c["groups"] = groups }))
			checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/patients", tok, nil), http.StatusForbidden)
		}
	})

	t.Run("a token naming the client as authorized party is accepted whatever its audience", func(t *testing.T) {
		tok := p.mint(t, alter(func(c map[string]any) { c["aud"], c["azp"] = "account", "serenade" }))
		if user, _ := whoAmI(t, s, tok); user != "dottore-alice" {
			t.Errorf("/me names %q", user)
		}
	})
}

// stubProvider is a minimal OpenID Connect provider: a discovery document
// and a JWKS served by httptest, with an RSA key the tests sign with.
type stubProvider struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string
}

func newStubProvider(t *testing.T) *stubProvider {
	t.Helper()
	p := &stubProvider{key: newRSAKeyForTest(t), kid: "key-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONForTest(w, map[string]any{
			"issuer":                                p.issuer(),
			"jwks_uri":                              p.issuer() + "/keys",
			"authorization_endpoint":                p.issuer() + "/auth",
			"token_endpoint":                        p.issuer() + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONForTest(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *stubProvider) issuer() string { return p.srv.URL }

// claims returns a valid claim set, to be altered by each case.
func (p *stubProvider) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": p.issuer(), "sub": "user-42", "aud": "serenade",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"preferred_username": "dottore-alice", "groups": []string{"dottore"},
	}
}

func (p *stubProvider) mint(t *testing.T, claims map[string]any) string {
	t.Helper()
	return signJWT(t, p.key, p.kid, claims)
}

func newRSAKeyForTest(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writeJSONForTest(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func signJWT(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	return signWith(t, jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, claims)
}

func signWith(t *testing.T, key jose.SigningKey, claims map[string]any) string {
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

// unsignedJWT builds an "alg":"none" token, which go-jose will not produce.
func unsignedJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	return jwtSegment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + jwtSegment(t, claims) + "."
}

// hmacWithRSAPublicKey signs claims with HS256 keyed by the PEM of the RSA
// public key: the algorithm-confusion forgery.
func hmacWithRSAPublicKey(t *testing.T, pub *rsa.PublicKey, kid string, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return signWith(t, jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: kid}}, claims)
}

// replacePayload swaps the payload of a signed token, keeping its header
// and signature.
func replacePayload(t *testing.T, token string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	return parts[0] + "." + jwtSegment(t, claims) + "." + parts[2]
}

func jwtSegment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
