package deploy

import (
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"serenade/internal/auth"
	"serenade/internal/demo"
	"serenade/internal/domain"
)

// browserCallbackPath is where the browser login's authorization code
// comes back to Serenade.
const browserCallbackPath = "/auth/callback"

// realm is the part of a Keycloak realm export Serenade depends on.
type realm struct {
	Realm                       string                                  `json:"realm"`
	Enabled                     bool                                    `json:"enabled"`
	SSLRequired                 string                                  `json:"sslRequired"`
	RegistrationAllowed         bool                                    `json:"registrationAllowed"`
	BruteForceProtected         bool                                    `json:"bruteForceProtected"`
	FailureFactor               int                                     `json:"failureFactor"`
	MaxFailureWaitSeconds       int                                     `json:"maxFailureWaitSeconds"`
	AccessTokenLifespan         int                                     `json:"accessTokenLifespan"`
	AccessCodeLifespan          int                                     `json:"accessCodeLifespan"`
	SSOSessionIdleTimeout       int                                     `json:"ssoSessionIdleTimeout"`
	SSOSessionMaxLifespan       int                                     `json:"ssoSessionMaxLifespan"`
	RevokeRefreshToken          bool                                    `json:"revokeRefreshToken"`
	InternationalizationEnabled bool                                    `json:"internationalizationEnabled"`
	SupportedLocales            []string                                `json:"supportedLocales"`
	DefaultLocale               string                                  `json:"defaultLocale"`
	PasswordPolicy              string                                  `json:"passwordPolicy"`
	Roles                       struct{ Realm []struct{ Name string } } `json:"roles"`
	Clients                     []client                                `json:"clients"`
	ScopeMappings               []struct {
		Client string   `json:"client"`
		Roles  []string `json:"roles"`
	} `json:"scopeMappings"`
	Users []keycloakUser `json:"users"`
}

type client struct {
	ClientID                  string            `json:"clientId"`
	Enabled                   bool              `json:"enabled"`
	Protocol                  string            `json:"protocol"`
	PublicClient              bool              `json:"publicClient"`
	BearerOnly                bool              `json:"bearerOnly"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType"`
	Secret                    string            `json:"secret"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	FullScopeAllowed          *bool             `json:"fullScopeAllowed"`
	RedirectURIs              []string          `json:"redirectUris"`
	WebOrigins                []string          `json:"webOrigins"`
	Attributes                map[string]string `json:"attributes"`
	DefaultClientScopes       []string          `json:"defaultClientScopes"`
	ProtocolMappers           []struct {
		Name           string            `json:"name"`
		ProtocolMapper string            `json:"protocolMapper"`
		Config         map[string]string `json:"config"`
	} `json:"protocolMappers"`
}

type keycloakUser struct {
	Username   string              `json:"username"`
	Enabled    bool                `json:"enabled"`
	Attributes map[string][]string `json:"attributes"`
	RealmRoles []string            `json:"realmRoles"`
	Credential []struct {
		Type           string `json:"type"`
		Value          string `json:"value"`
		SecretData     string `json:"secretData"`
		CredentialData string `json:"credentialData"`
	} `json:"credentials"`
}

const (
	realmFile     = "keycloak/import/serenade-realm.json"
	demoUsersFile = "keycloak/demo/serenade-users-0.json"
)

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// serenadeEnv is the environment compose gives the first replica.
func serenadeEnv(t testing.TB) map[string]string {
	t.Helper()
	s, err := loadProject(t, "compose.yaml").GetService("serenade-1")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// serenadeClient returns the realm and the client Serenade is configured
// with (SERENADE_OIDC_CLIENT_ID in the compose file).
func serenadeClient(t testing.TB) (realm, client) {
	t.Helper()
	var r realm
	readJSON(t, realmFile, &r)
	id := serenadeEnv(t)["SERENADE_OIDC_CLIENT_ID"]
	for _, c := range r.Clients {
		if c.ClientID == id {
			return r, c
		}
	}
	t.Fatalf("the realm has no client %q (SERENADE_OIDC_CLIENT_ID)", id)
	return r, client{}
}

// substitute fills Keycloak's ${NAME} placeholders from env, failing on
// one env lacks.
func substitute(t testing.TB, s string, env map[string]string) string {
	t.Helper()
	return regexp.MustCompile(`\$\{([A-Z_]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		v, ok := env[m[2:len(m)-1]]
		if !ok {
			t.Errorf("%q: no value for %s", s, m)
		}
		return v
	})
}

// The realm's roles are exactly Serenade's, and the issuer Serenade is
// given is this realm's.
func TestRealmRolesAndIssuer(t *testing.T) {
	r, c := serenadeClient(t)
	var names []string
	for _, role := range r.Roles.Realm {
		names = append(names, role.Name)
	}
	var want []string
	for _, role := range domain.AllRoles {
		want = append(want, string(role))
	}
	if !slices.Equal(names, want) {
		t.Errorf("realm roles %v, want Serenade's %v", names, want)
	}
	env := serenadeEnv(t)
	if !strings.HasSuffix(env["SERENADE_OIDC_ISSUER"], "/realms/"+r.Realm) || !strings.HasPrefix(env["SERENADE_OIDC_ISSUER"], "https://") {
		t.Errorf("SERENADE_OIDC_ISSUER %q is not https://…/realms/%s", env["SERENADE_OIDC_ISSUER"], r.Realm)
	}
	// Roles reach the token through the "roles" client scope (realm_access.roles),
	// where Serenade reads them unless told otherwise.
	if claim := env["SERENADE_OIDC_ROLES_CLAIM"]; claim != "" && claim != auth.DefaultRolesClaim {
		t.Errorf("the compose file sets SERENADE_OIDC_ROLES_CLAIM=%q; the realm puts roles in %s", claim, auth.DefaultRolesClaim)
	}
	if !slices.Contains(c.DefaultClientScopes, "roles") {
		t.Errorf("client scopes %v lack \"roles\", which writes realm_access.roles", c.DefaultClientScopes)
	}
	if c.FullScopeAllowed != nil && !*c.FullScopeAllowed {
		var mapped []string
		for _, m := range r.ScopeMappings {
			if m.Client == c.ClientID {
				mapped = append(mapped, m.Roles...)
			}
		}
		for _, role := range want {
			if !slices.Contains(mapped, role) {
				t.Errorf("role %s is not in the client's scope: tokens would never carry it", role)
			}
		}
	}
}

// The client is confidential, logs in by authorization code with PKCE
// S256 only, and lists exact redirect URIs and web origins on Serenade's
// public host.
func TestRealmClientIsABrowserLoginWithPKCE(t *testing.T) {
	_, c := serenadeClient(t)
	if !c.Enabled || c.Protocol != "openid-connect" || c.PublicClient || c.BearerOnly || c.ClientAuthenticatorType != "client-secret" {
		t.Errorf("client %s: want an enabled confidential OIDC client with a secret, got %+v", c.ClientID, c)
	}
	if c.Secret != "${SERENADE_OIDC_CLIENT_SECRET}" {
		t.Errorf("client secret %q: want the placeholder filled from the secret file at import", c.Secret)
	}
	if !c.StandardFlowEnabled || c.ImplicitFlowEnabled || c.DirectAccessGrantsEnabled || c.ServiceAccountsEnabled {
		t.Errorf("flows: want the authorization code flow only, got standard=%v implicit=%v password=%v service=%v",
			c.StandardFlowEnabled, c.ImplicitFlowEnabled, c.DirectAccessGrantsEnabled, c.ServiceAccountsEnabled)
	}
	if m := c.Attributes["pkce.code.challenge.method"]; m != "S256" {
		t.Errorf("PKCE method %q, want S256", m)
	}
	env := dotenv(t)
	host := env["SERENADE_HOST"]
	check := func(kind string, got []string, want string) {
		t.Helper()
		if len(got) != 1 {
			t.Errorf("%s %v: want exactly %s", kind, got, want)
			return
		}
		v := substitute(t, got[0], env)
		if strings.ContainsAny(v, "*+") || v != want {
			t.Errorf("%s %q (%q): want exactly %q, no wildcard", kind, got[0], v, want)
		}
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host != host {
			t.Errorf("%s %q is not https on %s", kind, v, host)
		}
	}
	check("redirect URIs", c.RedirectURIs, "https://"+host+browserCallbackPath)
	check("web origins", c.WebOrigins, "https://"+host)
	post := strings.Split(c.Attributes["post.logout.redirect.uris"], "##")
	check("post-logout redirect URIs", post, "https://"+host+"/")
}

// An audience mapper puts Serenade's audience (SERENADE_OIDC_AUDIENCE,
// by default the client id) in access tokens, and only there.
func TestRealmAudienceMapper(t *testing.T) {
	_, c := serenadeClient(t)
	audience := serenadeEnv(t)["SERENADE_OIDC_AUDIENCE"]
	if audience == "" {
		audience = c.ClientID
	}
	found := false
	for _, m := range c.ProtocolMappers {
		if m.ProtocolMapper != "oidc-audience-mapper" {
			continue
		}
		found = true
		if m.Config["included.client.audience"] != audience || m.Config["access.token.claim"] != "true" || m.Config["id.token.claim"] == "true" {
			t.Errorf("audience mapper %s: %v; want %q in access tokens only", m.Name, m.Config, audience)
		}
	}
	if !found {
		t.Error("no audience mapper: access tokens would not carry Serenade's audience")
	}
}

// Brute-force protection is on, lifetimes are short, nobody registers
// themselves, TLS is required from outside, and the login pages speak
// Italian and English.
func TestRealmSecuritySettings(t *testing.T) {
	r, _ := serenadeClient(t)
	if !r.Enabled || r.RegistrationAllowed || r.SSLRequired == "none" {
		t.Errorf("realm enabled=%v registration=%v sslRequired=%q", r.Enabled, r.RegistrationAllowed, r.SSLRequired)
	}
	if !r.BruteForceProtected || r.FailureFactor < 1 || r.FailureFactor > 10 || r.MaxFailureWaitSeconds < 60 {
		t.Errorf("brute force: protected=%v after %d failures, wait up to %ds", r.BruteForceProtected, r.FailureFactor, r.MaxFailureWaitSeconds)
	}
	for name, c := range map[string]struct{ got, max int }{
		"access token":       {r.AccessTokenLifespan, 15 * 60},
		"authorization code": {r.AccessCodeLifespan, 5 * 60},
		"SSO idle":           {r.SSOSessionIdleTimeout, 60 * 60},
		"SSO max":            {r.SSOSessionMaxLifespan, 12 * 60 * 60},
	} {
		if c.got <= 0 || c.got > c.max {
			t.Errorf("%s lifetime %ds: want 1..%ds", name, c.got, c.max)
		}
	}
	if !r.RevokeRefreshToken {
		t.Error("refresh tokens are reusable")
	}
	if !strings.Contains(r.PasswordPolicy, "length(") {
		t.Errorf("password policy %q sets no length", r.PasswordPolicy)
	}
	if !r.InternationalizationEnabled || !slices.Equal(r.SupportedLocales, []string{"it", "en"}) || r.DefaultLocale != "it" {
		t.Errorf("locales: enabled=%v %v default %q; want it and en, it first", r.InternationalizationEnabled, r.SupportedLocales, r.DefaultLocale)
	}
	if len(r.Users) != 0 {
		t.Errorf("the production realm holds %d users; demo users belong in %s", len(r.Users), demoUsersFile)
	}
}

// The demo users are SPEC §8's, with their roles and passwords (stored
// hashed), marked demo, and imported only through compose.demo.yaml.
func TestDemoUsersAreSeparateAndMatchTheSpec(t *testing.T) {
	var d struct {
		Realm string         `json:"realm"`
		Users []keycloakUser `json:"users"`
	}
	readJSON(t, demoUsersFile, &d)
	r, _ := serenadeClient(t)
	if d.Realm != r.Realm || len(d.Users) != len(demo.Accounts) {
		t.Fatalf("demo file: realm %q with %d users; want %q with %d", d.Realm, len(d.Users), r.Realm, len(demo.Accounts))
	}
	for i, a := range demo.Accounts {
		u := d.Users[i]
		var roles []string
		for _, role := range a.Roles {
			roles = append(roles, string(role))
		}
		if u.Username != a.Username || !slices.Equal(u.RealmRoles, roles) || !u.Enabled || !slices.Equal(u.Attributes["demo"], []string{"true"}) {
			t.Errorf("demo user %d: %s %v demo=%v; want %s %v marked demo", i, u.Username, u.RealmRoles, u.Attributes["demo"], a.Username, roles)
		}
		if len(u.Credential) != 1 || u.Credential[0].Value != "" || !passwordMatches(t, u.Credential[0].SecretData, u.Credential[0].CredentialData, a.Password) {
			t.Errorf("demo user %s: want one hashed credential for the password of SPEC §8", u.Username)
		}
	}
	for file, wantDemo := range map[string]bool{"compose.yaml": false, "compose.demo.yaml": true} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), "./keycloak/demo"); got != wantDemo {
			t.Errorf("%s mounts the demo users: %v, want %v", file, got, wantDemo)
		}
	}
}

// passwordMatches checks a Keycloak pbkdf2-sha512 credential.
func passwordMatches(t *testing.T, secretData, credentialData, password string) bool {
	var secret struct{ Value, Salt string }
	var cred struct {
		HashIterations int    `json:"hashIterations"`
		Algorithm      string `json:"algorithm"`
	}
	if json.Unmarshal([]byte(secretData), &secret) != nil || json.Unmarshal([]byte(credentialData), &cred) != nil || cred.Algorithm != "pbkdf2-sha512" {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(secret.Salt)
	want, err2 := base64.StdEncoding.DecodeString(secret.Value)
	if err1 != nil || err2 != nil || cred.HashIterations < 100000 {
		return false
	}
	got, err := pbkdf2.Key(sha512.New, password, salt, cred.HashIterations, len(want))
	return err == nil && slices.Equal(got, want)
}

// The placeholders of the realm export are filled at import: each is in
// Keycloak's environment in the compose file or exported by its start
// script from a secret file.
func TestRealmPlaceholdersAreProvided(t *testing.T) {
	b, err := os.ReadFile(realmFile)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := loadProject(t, "compose.yaml").GetService("keycloak")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("keycloak/keycloak-start.sh")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`\$\{([A-Z_]+)\}`).FindAllStringSubmatch(string(b), -1)
	if len(names) == 0 {
		t.Fatal("no placeholder: the redirect URIs would name no host")
	}
	for _, m := range names {
		_, inEnv := kc.Environment[m[1]]
		exported := regexp.MustCompile(`(?m)^export .*\b` + m[1] + `\b`).Match(script)
		if !inEnv && !exported {
			t.Errorf("placeholder %s is neither in keycloak's environment nor exported by keycloak-start.sh", m[0])
		}
	}
}
