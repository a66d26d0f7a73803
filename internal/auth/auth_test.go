package auth

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/oidctest"
)

func TestAuthenticatorRoutesByIssuer(t *testing.T) {
	p := oidctest.Start(t)
	local := newIssuer(t, newEd25519(t), nil)
	a, err := NewAuthenticator(local, newVerifier(t, groupsConfig(p), nil))
	if err != nil {
		t.Fatal(err)
	}
	localToken, _, err := local.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	providerToken := p.Mint(t, doctorClaims(p))
	// A provider-signed token claiming the local issuer goes to the local
	// verifier, which refuses it: routing never decides validity.
	spoofed := p.Mint(t, with(doctorClaims(p), "iss", "serenade"))

	tests := []struct {
		name    string
		header  string
		subject string // empty when the request must be refused
	}{
		{"a local token is verified by the local issuer", "Bearer " + localToken, "acct-1"},
		{"a provider token is verified against the provider", "Bearer " + providerToken, "user-42"},
		{"the bearer scheme is matched case-insensitively", "bEaReR " + providerToken, "user-42"},
		{"a request without authorization is refused", "", ""},
		{"a basic authorization header is refused", "Basic dXNlcjpwYXNz", ""},
		{"a bearer header without token is refused", "Bearer ", ""},
		{"a token from an unknown issuer is refused", "Bearer " + p.Mint(t, with(doctorClaims(p), "iss", "https://evil.example")), ""},
		{"a provider token claiming the local issuer is refused", "Bearer " + spoofed, ""},
		{"a token that is not a JWT is refused", "Bearer abc.def", ""},
		{"an oversized token is refused", "Bearer " + strings.Repeat("a", maxTokenBytes) + "." + localToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/patients", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := a.Authenticate(context.Background(), r)
			if tt.subject == "" {
				wantUnauthenticated(t, got, err)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", got.Subject, tt.subject)
			}
		})
	}
}

func TestNewAuthenticatorRefusesAmbiguousSetups(t *testing.T) {
	p := oidctest.Start(t)
	clash, err := NewIssuer(newEd25519(t), p.Issuer(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		local *Issuer
		oidc  *OIDCVerifier
	}{
		{"an authenticator without verifiers is refused", nil, nil},
		{"a local issuer equal to the provider's is refused", clash, newVerifier(t, groupsConfig(p), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewAuthenticator(tt.local, tt.oidc); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestMissingHeaderIsUnauthenticated(t *testing.T) {
	_, err := BearerToken(httptest.NewRequest("GET", "/", nil))
	if domain.KindOf(err) != domain.KindUnauthenticated {
		t.Fatalf("err = %v, want unauthenticated", err)
	}
}
