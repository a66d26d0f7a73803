package app_test

import (
	"testing"
	"time"

	"serenade/internal/app"
)

func configFrom(env map[string]string) (app.Config, error) {
	c := app.Defaults()
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	return c, c.Resolve()
}

func TestLoginSettings(t *testing.T) {
	t.Parallel()
	c, err := configFrom(map[string]string{
		"SERENADE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7", "SERENADE_MAX_PASSWORD_CHECKS": "3", "SERENADE_ACCOUNT_CHECK_TTL": "2s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.TrustedProxies != "10.0.0.0/8, 192.0.2.7" || c.MaxPasswordChecks != 3 || c.AccountCheckTTL != 2*time.Second {
		t.Errorf("config %+v", c)
	}
	if d := app.Defaults(); d.TrustedProxies != "" || d.MaxPasswordChecks != 0 || d.AccountCheckTTL != 5*time.Second {
		t.Errorf("defaults: no trusted proxy, the gate's default, 5s; got %q %d %v", d.TrustedProxies, d.MaxPasswordChecks, d.AccountCheckTTL)
	}
	for name, env := range map[string]map[string]string{
		"a malformed proxy list":         {"SERENADE_TRUSTED_PROXIES": "10.0.0.0/33"},
		"a proxy that is not an address": {"SERENADE_TRUSTED_PROXIES": "proxy.example"},
		"zero password checks":           {"SERENADE_MAX_PASSWORD_CHECKS": "0"},
		"a non-numeric bound":            {"SERENADE_MAX_PASSWORD_CHECKS": "many"},
		"a TTL that is not a duration":   {"SERENADE_ACCOUNT_CHECK_TTL": "soon"},
		"a TTL over a minute":            {"SERENADE_ACCOUNT_CHECK_TTL": "1h"},
	} {
		if _, err := configFrom(env); err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}

func TestConnectionSettings(t *testing.T) {
	t.Parallel()
	c, err := configFrom(map[string]string{
		"SERENADE_BODY_READ_TIMEOUT": "3s", "SERENADE_MAX_CONNECTIONS": "100", "SERENADE_MAX_CONNECTIONS_PER_CLIENT": "7",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.BodyReadTimeout != 3*time.Second || c.MaxConnections != 100 || c.MaxPerClient != 7 {
		t.Errorf("config %+v", c)
	}
	if d := app.Defaults(); d.BodyReadTimeout != 10*time.Second || d.MaxConnections != 4096 || d.MaxPerClient != 256 {
		t.Errorf("defaults: 10s, 4096, 256; got %v %d %d", d.BodyReadTimeout, d.MaxConnections, d.MaxPerClient)
	}
	for name, env := range map[string]map[string]string{
		"a timeout that is not a duration": {"SERENADE_BODY_READ_TIMEOUT": "soon"},
		"a zero timeout":                   {"SERENADE_BODY_READ_TIMEOUT": "0s"},
		"a timeout over ten minutes":       {"SERENADE_BODY_READ_TIMEOUT": "1h"},
		"zero connections":                 {"SERENADE_MAX_CONNECTIONS": "0"},
		"a non-numeric per-client cap":     {"SERENADE_MAX_CONNECTIONS_PER_CLIENT": "many"},
	} {
		if _, err := configFrom(env); err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}

// SERENADE_MAX_UPLOAD_MEMORY bounds the bytes uploads in flight hold; it
// must hold at least one document of the limit.
func TestUploadMemorySetting(t *testing.T) {
	t.Parallel()
	c, err := configFrom(map[string]string{"SERENADE_MAX_DOCUMENT_SIZE": "1000", "SERENADE_MAX_UPLOAD_MEMORY": "5000"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxDocumentSize != 1000 || c.MaxUploadMemory != 5000 {
		t.Errorf("document %d, upload memory %d; want 1000, 5000", c.MaxDocumentSize, c.MaxUploadMemory)
	}
	if d := app.Defaults(); d.MaxUploadMemory != 0 {
		t.Errorf("default upload memory %d, want 0 (four documents, applied by the API)", d.MaxUploadMemory)
	}
	for name, env := range map[string]map[string]string{
		"a non-numeric memory":             {"SERENADE_MAX_UPLOAD_MEMORY": "lots"},
		"a zero memory":                    {"SERENADE_MAX_UPLOAD_MEMORY": "0"},
		"a memory smaller than a document": {"SERENADE_MAX_DOCUMENT_SIZE": "1000", "SERENADE_MAX_UPLOAD_MEMORY": "999"},
	} {
		if _, err := configFrom(env); err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}
