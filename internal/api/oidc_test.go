package api_test

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/dextest"
	"serenade/internal/testsupport/oidctest"
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
	t.Parallel()
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
		other := startOIDCServer(t, oidctest.Start(t).Issuer(), "serenade")
		tok := d.AccessToken(t, "dottore-alice", "alice")
		checkUnauthenticated(t, other.Do(t, http.MethodGet, "/api/v1/me", tok, nil))
		checkUnauthenticated(t, other.Do(t, http.MethodGet, "/api/v1/patients", tok, nil))
	})
}

func TestForgedProviderTokensAreRefusedByTheAPI(t *testing.T) {
	t.Parallel()
	p := oidctest.Start(t)
	s := startOIDCServer(t, p.Issuer(), "serenade")
	claims := func() map[string]any { return p.Claims("dottore-alice", "dottore") }

	t.Run("a genuine token of the provider is accepted, so the refusals below are about their one defect", func(t *testing.T) {
		user, roles := whoAmI(t, s, p.Mint(t, claims()))
		if user != "dottore-alice" || !slices.Equal(roles, []string{"dottore"}) {
			t.Fatalf("/me = %s %v, want dottore-alice [dottore]", user, roles)
		}
		if res := s.Do(t, http.MethodGet, "/api/v1/patients", p.Mint(t, claims()), nil); res.Status != http.StatusOK {
			t.Fatalf("GET /patients: %d %s", res.Status, res.Body)
		}
	})

	alter := func(change func(c map[string]any)) map[string]any {
		c := claims()
		change(c)
		return c
	}
	now := time.Now()
	otherKey := oidctest.NewRSAKey(t)
	tokens := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"an expired token", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) {
				c["iat"], c["nbf"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-10*time.Minute).Unix()
			}))
		}},
		{"a token not yet valid", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))
		}},
		{"a token issued in the future", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }))
		}},
		{"a token without an expiry", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { delete(c, "exp") }))
		}},
		{"a token naming another issuer", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["iss"] = "https://idp.example.org/realms/serenade" }))
		}},
		{"a token naming the issuer with a trailing slash", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["iss"] = p.Issuer() + "/" }))
		}},
		{"a token for another audience", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["aud"] = "another-service" }))
		}},
		{"a token without an audience", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { delete(c, "aud") }))
		}},
		{"an unsigned token with alg none", func(t *testing.T) string {
			return oidctest.Unsigned(t, claims())
		}},
		{"an HS256 token keyed with the provider's public key", func(t *testing.T) string {
			return oidctest.HMACWithPublicKey(t, &p.Key.PublicKey, p.KID, claims())
		}},
		{"a token signed by an unpublished key under an unknown kid", func(t *testing.T) string {
			return oidctest.SignRS256(t, otherKey, "key-unknown", claims())
		}},
		{"a token signed by an unpublished key under the provider's kid", func(t *testing.T) string {
			return oidctest.SignRS256(t, otherKey, p.KID, claims())
		}},
		{"a token whose payload was changed after signing", func(t *testing.T) string {
			genuine := p.Mint(t, alter(func(c map[string]any) { c["groups"] = []string{"iit"} }))
			return oidctest.WithPayload(t, genuine, claims())
		}},
		{"a token whose signature was cut off", func(t *testing.T) string {
			genuine := p.Mint(t, claims())
			return genuine[:strings.LastIndex(genuine, ".")+1]
		}},
		{"a token without the roles claim", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { delete(c, "groups") }))
		}},
		{"a token with the roles claim of the wrong shape", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { c["groups"] = map[string]any{"dottore": true} }))
		}},
		{"a token without a subject", func(t *testing.T) string {
			return p.Mint(t, alter(func(c map[string]any) { delete(c, "sub") }))
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
			tok := p.Mint(t, alter(func(c map[string]any) { c["groups"] = groups }))
			checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/patients", tok, nil), http.StatusForbidden)
		}
	})

	t.Run("a token naming the client as authorized party is accepted whatever its audience", func(t *testing.T) {
		tok := p.Mint(t, alter(func(c map[string]any) { c["aud"], c["azp"] = "account", "serenade" }))
		if user, _ := whoAmI(t, s, tok); user != "dottore-alice" {
			t.Errorf("/me names %q", user)
		}
	})
}
