package auth

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
	"serenade/internal/testsupport/syncbuf"
)

// keycloakClaims is an access token as Keycloak issues it to a client
// whose id has a dot in it: the client's roles under resource_access,
// keyed by the client id; realm roles under realm_access; "aud" only
// "account", the client in "azp".
func keycloakClaims(p *oidctest.Provider, clientRoles ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Unix(),
		"jti": "onrtac:5c1b0d1e-5f1a-4c43-9c5e-0e0c6b1f2a77", "iss": p.Issuer(), "aud": "account",
		"sub": "8b2c3f4e-1d2a-4e5b-9c6d-7e8f9a0b1c2d", "typ": "Bearer", "azp": "serenade.api",
		"sid": "0a1b2c3d-4e5f-6789-abcd-ef0123456789", "acr": "1",
		"allowed-origins": []string{"https://serenade.example"},
		"realm_access":    map[string]any{"roles": []string{"offline_access", "uma_authorization", "default-roles-serenade"}},
		"resource_access": map[string]any{
			"serenade.api": map[string]any{"roles": clientRoles},
			"account":      map[string]any{"roles": []string{"manage-account", "manage-account-links", "view-profile"}},
		},
		"scope": "openid profile email", "email_verified": true, "name": "Alice Dottore",
		"preferred_username": "dottore-alice", "given_name": "Alice", "family_name": "Dottore", "email": "alice@serenade.test",
	}
}

func TestRolesUnderAClientIDWithDots(t *testing.T) {
	p := oidctest.Start(t)
	token := p.Mint(t, keycloakClaims(p, "dottore", "imt"))
	cfg := func(path string) OIDCConfig {
		return OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade.api", RolesClaim: path}
	}
	t.Run("a JSON Pointer names the client's roles", func(t *testing.T) {
		got, err := newVerifier(t, cfg("/resource_access/serenade.api/roles"), nil).Verify(context.Background(), token)
		if err != nil || !slices.Equal(got.Roles, []domain.Role{domain.RoleDoctor, domain.RoleMonitoring}) || got.Username != "dottore-alice" {
			t.Fatalf("Verify = %+v, %v; want dottore-alice with dottore and imt", got, err)
		}
	})
	t.Run("the dotted form cannot name a key with a dot, and says so", func(t *testing.T) {
		got, err := newVerifier(t, cfg("resource_access.serenade.api.roles"), nil).Verify(context.Background(), token)
		wantUnauthenticated(t, got, err)
	})
	t.Run("the dotted form still finds realm roles", func(t *testing.T) {
		got, err := newVerifier(t, cfg("realm_access.roles"), nil).Verify(context.Background(), token)
		if err != nil || len(got.Roles) != 0 {
			t.Fatalf("Verify = %+v, %v; want a principal with no Serenade role", got, err)
		}
	})
	t.Run("a pointer unescapes ~1 and ~0", func(t *testing.T) {
		c := keycloakClaims(p)
		c["resource_access"] = map[string]any{"serenade/api~v2": map[string]any{"roles": []string{"admin"}}}
		got, err := newVerifier(t, cfg("/resource_access/serenade~1api~0v2/roles"), nil).Verify(context.Background(), p.Mint(t, c))
		if err != nil || !slices.Equal(got.Roles, []domain.Role{domain.RoleAdmin}) {
			t.Fatalf("Verify = %+v, %v; want admin", got, err)
		}
	})
	t.Run("a malformed path stops the start", func(t *testing.T) {
		for _, path := range []string{"/resource_access/a~2b/roles", "realm_access..roles", "."} {
			if _, err := NewOIDCVerifier(context.Background(), cfg(path), nil); err == nil {
				t.Errorf("roles claim %q was accepted", path)
			}
		}
	})
}

func logTo(buf *syncbuf.Buffer) *slog.Logger { return slog.New(slog.NewJSONHandler(buf, nil)) }

func TestAKeyWhoseCertificateGoRefuses(t *testing.T) {
	p := oidctest.Start(t)
	key := oidctest.NewRSAKey(t)
	der := oidctest.CertWithNegativeSerial(t, key)
	t.Run("is used through its n and e, with a warning naming it", func(t *testing.T) {
		p.PublishRaw(oidctest.KeycloakJWK(t, "kc-negative-serial", key, der, true))
		logs := &syncbuf.Buffer{}
		v := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups", Logger: logTo(logs)}, nil)
		got, err := v.Verify(context.Background(), oidctest.SignRS256(t, key, "kc-negative-serial", doctorClaims(p)))
		if err != nil || !slices.Equal(got.Roles, []domain.Role{domain.RoleDoctor}) {
			t.Fatalf("Verify = %+v, %v; want the doctor", got, err)
		}
		if err := v.Ready(); err != nil {
			t.Errorf("Ready = %v, want ready", err)
		}
		wantLog(t, logs, "WARN", `"kid":"kc-negative-serial"`, "negative serial")
	})
	t.Run("without n and e it makes the verifier unready, naming it", func(t *testing.T) {
		p.PublishRaw(oidctest.KeycloakJWK(t, "kc-certificate-only", key, der, false))
		logs := &syncbuf.Buffer{}
		v := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups", Logger: logTo(logs)}, nil)
		err := v.Ready()
		if err == nil || !strings.Contains(err.Error(), `"kc-certificate-only"`) {
			t.Fatalf("Ready = %v, want it to name kc-certificate-only", err)
		}
		wantLog(t, logs, "ERROR", `"kid":"kc-certificate-only"`)
		token := oidctest.SignRS256(t, key, "kc-certificate-only", doctorClaims(p))
		got, verr := v.Verify(context.Background(), token)
		wantUnauthenticated(t, got, verr)
		wantLog(t, logs, "OIDC token refused: signed with a key that cannot be used", `"kid":"kc-certificate-only"`)
		if strings.Contains(logs.String(), token) {
			t.Error("the log holds the token")
		}
		if got, err := v.Verify(context.Background(), p.Mint(t, doctorClaims(p))); err != nil || len(got.Roles) != 1 {
			t.Errorf("a token of the good key: %+v, %v", got, err)
		}
	})
	t.Run("a key of a kind Serenade does not verify with is still skipped in silence", func(t *testing.T) {
		logs := &syncbuf.Buffer{}
		keys, unusable, err := parseJWKS(strings.NewReader(`{"keys":[{"kid":"pq","kty":"AKP","alg":"ML-DSA-65","pub":"AAAA"},
			{"kid":"enc","kty":"RSA","use":"enc","x5c":["AAAA"]}]}`), logTo(logs))
		if err != nil || len(keys) != 0 || len(unusable) != 0 || logs.String() != "" {
			t.Errorf("parseJWKS = %d keys, %v unusable, %v; log %q", len(keys), unusable, err, logs.String())
		}
	})
}

func TestAMissingClaimIsNamedInTheLog(t *testing.T) {
	p := oidctest.Start(t)
	for claim, path := range map[string]string{"sub": "groups", "groups": "groups", "/resource_access/serenade.api/roles": "/resource_access/serenade.api/roles"} {
		t.Run(claim, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			v := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: path, Logger: logTo(logs)}, nil)
			c := doctorClaims(p)
			delete(c, claim)
			token := p.Mint(t, c)
			got, err := v.Verify(context.Background(), token)
			wantUnauthenticated(t, got, err)
			wantLog(t, logs, "WARN", "a claim Serenade needs is missing", `"claim":"`+claim+`"`)
			if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), strings.Split(token, ".")[2]) {
				t.Error("the log holds the token")
			}
		})
	}
}

// wantLog fails unless one line of the log holds every part.
func wantLog(t *testing.T, logs *syncbuf.Buffer, parts ...string) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		if all(line, parts) {
			return
		}
	}
	t.Errorf("no log line holds %q:\n%s", parts, logs.String())
}

func all(line string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(line, p) {
			return false
		}
	}
	return true
}

// Keycloak signs ID, refresh and logout tokens too, marking each with a
// "typ" claim; only an access token ("Bearer") is one, and a token with
// no "typ" (Dex and others) is judged by its other claims.
func TestOnlyBearerTypedKeycloakTokensAreAccessTokens(t *testing.T) {
	p := oidctest.Start(t)
	v := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade.api", RolesClaim: "/resource_access/serenade.api/roles"}, nil)
	for typ, accepted := range map[string]bool{"Bearer": true, "bearer": true, "": true, "ID": false, "Refresh": false, "Logout": false, "Offline": false} {
		c := keycloakClaims(p, "dottore")
		if typ == "" {
			delete(c, "typ")
		} else {
			c["typ"] = typ
		}
		got, err := v.Verify(context.Background(), p.Mint(t, c))
		if accepted && (err != nil || !slices.Equal(got.Roles, []domain.Role{domain.RoleDoctor})) {
			t.Errorf("typ %q: Verify = %+v, %v; want dottore", typ, got, err)
		}
		if !accepted {
			wantUnauthenticated(t, got, err)
		}
	}
}

// With RequireAudience, only "aud" decides: a token Serenade's client
// obtained for another audience is refused, one carrying Serenade's
// audience (as the shipped realm's audience mapper writes) is accepted.
func TestRequireAudienceIgnoresTheAuthorizedParty(t *testing.T) {
	p := oidctest.Start(t)
	strict := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RequireAudience: true, RolesClaim: "/resource_access/serenade.api/roles"}, nil)
	loose := newVerifier(t, OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "/resource_access/serenade.api/roles"}, nil)
	for _, aud := range []any{"account", []string{"account", "another-api"}} {
		c := keycloakClaims(p, "dottore")
		c["aud"], c["azp"] = aud, "serenade"
		token := p.Mint(t, c)
		got, err := strict.Verify(context.Background(), token)
		wantUnauthenticated(t, got, err)
		if _, err := loose.Verify(context.Background(), token); err != nil {
			t.Errorf("aud %v: without RequireAudience the azp fallback should accept: %v", aud, err)
		}
	}
	for _, aud := range []any{"serenade", []string{"account", "serenade"}} {
		c := keycloakClaims(p, "dottore")
		c["aud"], c["azp"] = aud, "serenade"
		if got, err := strict.Verify(context.Background(), p.Mint(t, c)); err != nil || !slices.Equal(got.Roles, []domain.Role{domain.RoleDoctor}) {
			t.Errorf("aud %v: Verify = %+v, %v; want dottore", aud, got, err)
		}
	}
}
