package auth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"serenade/internal/domain"
	"serenade/internal/testsupport/dextest"
	"serenade/internal/testsupport/oidctest"
	"serenade/internal/testsupport/syncbuf"
)

// TestAgainstDex logs the demo users in through a real Dex over HTTP and
// verifies the access tokens Dex issues (RS256, client id in "aud",
// groups in "groups"), then forges tokens against Dex's real keys.
func TestAgainstDex(t *testing.T) {
	d := dextest.Start(t)
	jwks := &countingTransport{suffix: "/keys"}
	client := &http.Client{Transport: jwks, Timeout: 10 * time.Second}
	logs := &syncbuf.Buffer{}
	cfg := OIDCConfig{Issuer: d.Issuer, ClientID: d.ClientID, RolesClaim: "groups", Logger: logTo(logs)}
	v := newVerifier(t, cfg, client)

	t.Run("demo users", func(t *testing.T) { testDexDemoUsers(t, d, v, logs) })
	t.Run("forgeries", func(t *testing.T) { testDexForgeries(t, d, v, jwks) })
	t.Run("audiences", func(t *testing.T) { testDexAudiences(t, d, cfg) })
}

func testDexDemoUsers(t *testing.T, d *dextest.Dex, v *OIDCVerifier, logs *syncbuf.Buffer) {
	tests := []struct {
		name, user, password string
		roles                []domain.Role // nil when the login must be refused
	}{
		{"dottore-alice is a doctor", "dottore-alice", "alice", []domain.Role{domain.RoleDoctor}},
		{"iit-gennaro is an installer", "iit-gennaro", "gennaro", []domain.Role{domain.RoleInstaller}},
		{"imt-vincenzo is on the monitoring team", "imt-vincenzo", "vincenzo", []domain.Role{domain.RoleMonitoring}},
		{"ricercatore-stefano is a researcher", "ricercatore-stefano", "stefano", []domain.Role{domain.RoleResearcher}},
		{"admin-anna is an admin", "admin-anna", "anna", []domain.Role{domain.RoleAdmin}},
		{"dottore-imt-marta is a doctor and on the monitoring team", "dottore-imt-marta", "marta", []domain.Role{domain.RoleDoctor, domain.RoleMonitoring}},
		{"ospite-ugo is authenticated without any role", "ospite-ugo", "ugo", []domain.Role{}},
		{"senzagruppi-nino is refused because Dex sends no groups claim", "senzagruppi-nino", "nino", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := d.AccessToken(t, tt.user, tt.password)
			got, err := v.Verify(context.Background(), token)
			if tt.roles == nil {
				wantUnauthenticated(t, got, err)
				wantLog(t, logs, "a claim Serenade needs is missing", `"claim":"groups"`)
				if strings.Contains(logs.String(), token) {
					t.Error("the log holds the token")
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.Username != tt.user || got.Subject == "" || !slices.Equal(got.Roles, tt.roles) {
				t.Errorf("principal = %+v, want username %s with roles %v", got, tt.user, tt.roles)
			}
		})
	}
}

func testDexForgeries(t *testing.T, d *dextest.Dex, v *OIDCVerifier, jwks *countingTransport) {
	genuine := d.AccessToken(t, "ospite-ugo", "ugo")
	claims := oidctest.Payload(t, genuine)
	promoted := with(claims, "groups", []string{"admin"})
	kid, pub := dexSigningKey(t, d)

	tests := []struct {
		name  string
		token string
	}{
		{"a Dex token promoted to admin by editing its payload is refused", oidctest.WithPayload(t, genuine, promoted)},
		{"an unsigned alg none token with Dex's claims is refused", oidctest.Unsigned(t, promoted)},
		{"an HS256 token keyed with Dex's public key is refused", oidctest.HMACWithPublicKey(t, pub, kid, promoted)},
		{"a token signed with our own key under Dex's kid is refused", oidctest.SignRS256(t, oidctest.NewRSAKey(t), kid, promoted)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			wantUnauthenticated(t, got, err)
		})
	}
	t.Run("a Dex token checked after its expiry is refused", func(t *testing.T) {
		exp := time.Unix(int64(claims["exp"].(float64)), 0)
		v.now = func() time.Time { return exp.Add(time.Minute) }
		defer func() { v.now = time.Now }()
		got, err := v.Verify(context.Background(), genuine)
		wantUnauthenticated(t, got, err)
	})
	t.Run("tokens with unknown kids make at most one request to Dex", func(t *testing.T) {
		before := jwks.count.Load()
		for i := range 10 {
			got, err := v.Verify(context.Background(), oidctest.SignRS256(t, oidctest.NewRSAKey(t), "rotated-"+string(rune('a'+i)), promoted))
			wantUnauthenticated(t, got, err)
		}
		if n := jwks.count.Load() - before; n != 1 {
			t.Fatalf("%d JWKS requests to Dex, want 1", n)
		}
	})
}

func testDexAudiences(t *testing.T, d *dextest.Dex, cfg OIDCConfig) {
	ctx := context.Background()
	client := dextest.Client{ID: d.ClientID, Secret: d.ClientSecret}
	scopes := append(slices.Clone(dextest.DefaultScopes), "audience:server:client_id:"+d.Peer.ID)
	cross, err := d.PasswordGrant(ctx, client, "admin-anna", "anna", scopes...)
	if err != nil {
		t.Fatalf("cross-client login: %v", err)
	}
	if c := oidctest.Payload(t, cross.AccessToken); c["azp"] != d.ClientID {
		t.Fatalf("cross-client token has aud %v, azp %v; want azp %s", c["aud"], c["azp"], d.ClientID)
	}
	plain := d.AccessToken(t, "admin-anna", "anna")
	api := OIDCConfig{Issuer: d.Issuer, Audience: d.Peer.ID, RolesClaim: "groups"}
	other := OIDCConfig{Issuer: d.Issuer, ClientID: "another-app", RolesClaim: "groups"}

	tests := []struct {
		name   string
		cfg    OIDCConfig
		token  string
		accept bool
	}{
		{"a token asked for the API audience is accepted by the API", api, cross.AccessToken, true},
		{"a token asked for the API audience is still accepted by the client", cfg, cross.AccessToken, true},
		{"a token for the client alone is refused by the API", api, plain, false},
		{"a token for the client is refused by another application", other, plain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newVerifier(t, tt.cfg, nil).Verify(ctx, tt.token)
			if !tt.accept {
				wantUnauthenticated(t, got, err)
				return
			}
			if err != nil || !got.Has(domain.RoleAdmin) {
				t.Fatalf("principal %+v, err %v; want admin-anna as admin", got, err)
			}
		})
	}
}

// dexSigningKey fetches Dex's published signing key.
func dexSigningKey(t *testing.T, d *dextest.Dex) (string, *rsa.PublicKey) {
	t.Helper()
	resp, err := http.Get(d.Issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if pub, ok := k.Key.(*rsa.PublicKey); ok {
			return k.KeyID, pub
		}
	}
	t.Fatal("Dex publishes no RSA key")
	return "", nil
}

// countingTransport counts requests whose path ends with suffix.
type countingTransport struct {
	suffix string
	count  atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, c.suffix) {
		c.count.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}
