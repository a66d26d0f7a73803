package app_test

import (
	"net/http"
	"strings"
	"testing"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/oidctest"
)

// TestReadinessNamesAnUnusableProviderKey: a provider publishing a
// signing key whose only material is a certificate Go refuses (negative
// serial) would have every token it signs refused; /readyz says so and
// names the key instead of answering ready.
func TestReadinessNamesAnUnusableProviderKey(t *testing.T) {
	p := oidctest.Start(t)
	key := oidctest.NewRSAKey(t)
	p.PublishRaw(oidctest.KeycloakJWK(t, "kc-certificate-only", key, oidctest.CertWithNegativeSerial(t, key), false))
	s := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
		c.OIDC = app.OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
	}})
	res := s.Do(t, http.MethodGet, "/readyz", "", nil)
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(string(res.Body), `\"kc-certificate-only\"`) {
		t.Errorf("/readyz = %d %s, want 503 naming kc-certificate-only", res.Status, res.Body)
	}
}

// TestReadinessWithAKeyUsableThroughItsMaterial: the same certificate
// next to n and e leaves the server ready.
func TestReadinessWithAKeyUsableThroughItsMaterial(t *testing.T) {
	p := oidctest.Start(t)
	key := oidctest.NewRSAKey(t)
	p.PublishRaw(oidctest.KeycloakJWK(t, "kc-negative-serial", key, oidctest.CertWithNegativeSerial(t, key), true))
	s := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
		c.OIDC = app.OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
	}})
	if res := s.Do(t, http.MethodGet, "/readyz", "", nil); res.Status != http.StatusOK {
		t.Errorf("/readyz = %d %s, want 200", res.Status, res.Body)
	}
}
