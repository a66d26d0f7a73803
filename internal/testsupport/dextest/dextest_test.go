package dextest_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"serenade/internal/testsupport/dextest"
)

func TestDexLogsInADemoUserWithAnRS256AccessToken(t *testing.T) {
	d := dextest.Start(t)
	tok := d.AccessToken(t, "dottore-alice", "alice")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a compact JWS: %q", tok)
	}
	var header struct{ Alg string }
	var claims struct {
		Iss    string
		Aud    any
		Groups []string
	}
	decode(t, parts[0], &header)
	decode(t, parts[1], &claims)
	if header.Alg != "RS256" {
		t.Errorf("alg = %q, want RS256", header.Alg)
	}
	if claims.Iss != d.Issuer {
		t.Errorf("iss = %q, want %q", claims.Iss, d.Issuer)
	}
	if len(claims.Groups) != 1 || claims.Groups[0] != "dottore" {
		t.Errorf("groups = %v, want [dottore]", claims.Groups)
	}
	t.Logf("claims: %s", mustDecode(t, parts[1]))
}

func decode(t *testing.T, seg string, v any) {
	t.Helper()
	if err := json.Unmarshal(mustDecode(t, seg), v); err != nil {
		t.Fatal(err)
	}
}

func mustDecode(t *testing.T, seg string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
