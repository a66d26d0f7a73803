package deploy

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"serenade/internal/auth"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
)

// shippedVerifier is Serenade's verifier as the compose file configures
// it (client id, audience and roles claim from its environment, the
// defaults where it sets none), against a provider standing in for the
// realm at its issuer.
func shippedVerifier(t *testing.T, p *oidctest.Provider) shipped {
	t.Helper()
	env := serenadeEnv(t)
	cfg := auth.OIDCConfig{Issuer: p.Issuer(), ClientID: env["SERENADE_OIDC_CLIENT_ID"], Audience: env["SERENADE_OIDC_AUDIENCE"],
		RequireAudience: env["SERENADE_OIDC_REQUIRE_AUDIENCE"] == "true", RolesClaim: env["SERENADE_OIDC_ROLES_CLAIM"]}
	v, err := auth.NewOIDCVerifier(context.Background(), cfg, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.NewAuthenticator(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return shipped{a}
}

// shipped is Serenade's token check as a request meets it.
type shipped struct{ a *auth.Authenticator }

func (s shipped) Verify(ctx context.Context, token string) (domain.Principal, error) {
	return s.a.AuthenticateToken(ctx, token)
}

// keycloakAccessToken is an access token in Keycloak's exact layout, as
// the realm export makes it for user: "aud" from the audience mapper,
// "azp" the client, realm roles under realm_access.roles (those in the
// client's scope), "typ" Bearer, a session id and the scopes.
func keycloakAccessToken(t *testing.T, p *oidctest.Provider, username string, roles []string) map[string]any {
	t.Helper()
	_, c := serenadeClient(t)
	audience := serenadeEnv(t)["SERENADE_OIDC_AUDIENCE"]
	if audience == "" {
		audience = c.ClientID
	}
	now := time.Now()
	return map[string]any{
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Unix(),
		"jti": "onrtac:3f1e6a0c-55b8-4c5e-9d0a-2b7c1e4f9a10", "iss": p.Issuer(), "aud": audience,
		"sub": "5a0e9c2b-7d41-4f0e-8b6a-" + username, "typ": "Bearer", "azp": c.ClientID,
		"sid": "8c9d0e1f-2a3b-4c5d-6e7f-8091a2b3c4d5", "acr": "1",
		"allowed-origins": []string{"https://" + dotenv(t)["SERENADE_HOST"]},
		"realm_access":    map[string]any{"roles": roles},
		"resource_access": map[string]any{"account": map[string]any{"roles": []string{"manage-account", "view-profile"}}},
		"scope":           "openid profile email", "email_verified": true,
		"preferred_username": username, "given_name": "Demo", "family_name": "Demo", "email": username + "@demo.invalid",
	}
}

// A token in Keycloak's layout, with "aud" as a string and as an array,
// is accepted with the shipped configuration for every demo user, with
// that user's roles.
func TestKeycloakAccessTokensAreAccepted(t *testing.T) {
	p := oidctest.Start(t)
	v := shippedVerifier(t, p)
	_, c := serenadeClient(t)
	for _, a := range demo.Accounts {
		var names []string
		for _, r := range a.Roles {
			names = append(names, string(r))
		}
		for name, aud := range map[string]any{"string": nil, "array": []string{"account", "serenade"}} {
			claims := keycloakAccessToken(t, p, a.Username, names)
			if aud != nil {
				claims["aud"] = aud
			}
			got, err := v.Verify(context.Background(), p.Mint(t, claims))
			if err != nil || got.Username != a.Username || !slices.Equal(got.Roles, a.Roles) {
				t.Errorf("%s, aud as %s (client %s): Verify = %+v, %v; want %v", a.Username, name, c.ClientID, got, err, a.Roles)
			}
		}
	}
}

// The same token with any one field broken is refused.
func TestBrokenKeycloakAccessTokensAreRefused(t *testing.T) {
	p := oidctest.Start(t)
	v := shippedVerifier(t, p)
	now := time.Now()
	good := func() map[string]any { return keycloakAccessToken(t, p, "dottore-alice", []string{"dottore"}) }
	with := func(edit func(map[string]any)) string {
		c := good()
		edit(c)
		return p.Mint(t, c)
	}
	other := oidctest.NewRSAKey(t)
	for name, token := range map[string]string{
		"another audience and client":     with(func(c map[string]any) { c["aud"], c["azp"] = "account", "another-client" }),
		"another audience, our client":    with(func(c map[string]any) { c["aud"] = "another-api" }),
		"no audience, our client":         with(func(c map[string]any) { delete(c, "aud") }),
		"audience array without ours":     with(func(c map[string]any) { c["aud"], c["azp"] = []string{"account", "broker"}, "another-client" }),
		"another issuer":                  with(func(c map[string]any) { c["iss"] = p.Issuer() + "/realms/other" }),
		"expired":                         with(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }),
		"not yet valid":                   with(func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() }),
		"issued in the future":            with(func(c map[string]any) { c["iat"] = now.Add(2 * time.Minute).Unix() }),
		"an ID token (typ ID)":            with(func(c map[string]any) { c["typ"] = "ID" }),
		"a refresh token (typ Refresh)":   with(func(c map[string]any) { c["typ"] = "Refresh" }),
		"no realm_access":                 with(func(c map[string]any) { delete(c, "realm_access") }),
		"realm_access without roles":      with(func(c map[string]any) { c["realm_access"] = map[string]any{} }),
		"no subject":                      with(func(c map[string]any) { delete(c, "sub") }),
		"no expiry":                       with(func(c map[string]any) { delete(c, "exp") }),
		"alg none":                        oidctest.Unsigned(t, good()),
		"HS256 keyed with the public key": oidctest.HMACWithPublicKey(t, &p.Key.PublicKey, p.KID, good()),
		"HS256 under an unknown kid":      oidctest.Sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "hmac"}}, good()),
		"an unknown kid":                  oidctest.SignRS256(t, other, "unknown-kid", good()),
		"another key under the known kid": oidctest.SignRS256(t, other, p.KID, good()),
		"a tampered payload": oidctest.WithPayload(t, p.Mint(t, good()), func() map[string]any {
			c := good()
			c["realm_access"] = map[string]any{"roles": []string{"admin"}}
			return c
		}()),
	} {
		got, err := v.Verify(context.Background(), token)
		if err == nil || domain.KindOf(err) != domain.KindUnauthenticated {
			t.Errorf("%s: Verify = %+v, %v; want refused as unauthenticated", name, got, err)
		}
	}
}
