// Package auth authenticates requests carrying a bearer access token,
// either one Serenade signed itself for a local account or one from an
// external OpenID Connect provider, and turns it into a domain.Principal.
//
// Every refusal is a domain.Unauthenticated error whose message is safe to
// return to the caller; the precise reason (bad signature, unknown key,
// wrong algorithm) is deliberately not told, so as not to help forgery.
package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"serenade/internal/domain"
)

// LocalSubjectPrefix starts the subject of every local account's token:
// "local:" and the username.
const LocalSubjectPrefix = "local:"

// maxTokenBytes bounds the work done on a token before it is verified;
// real access tokens are a few kilobytes at most.
const maxTokenBytes = 16 << 10

// Authenticator authenticates requests with the local issuer, the OIDC
// provider, or both.
type Authenticator struct {
	local    *Issuer
	oidc     *OIDCVerifier
	accounts *AccountGuard // checks the accounts of local tokens; nil: none
}

// CheckAccounts makes every local token's account be checked by g on
// each request (disabled and, outside demo mode, demo accounts are
// refused).
func (a *Authenticator) CheckAccounts(g *AccountGuard) { a.accounts = g }

// NewAuthenticator combines the verifiers; either may be nil when that
// kind of login is not configured, but not both. Their issuers must
// differ, since the issuer is what routes a token to its verifier.
func NewAuthenticator(local *Issuer, provider *OIDCVerifier) (*Authenticator, error) {
	if local == nil && provider == nil {
		return nil, errors.New("auth: no token verifier configured")
	}
	if local != nil && provider != nil && local.issuer == provider.Issuer() {
		return nil, errors.New("auth: local and OIDC issuers must differ")
	}
	return &Authenticator{local: local, oidc: provider}, nil
}

// Authenticate returns the principal of the request's bearer token.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (domain.Principal, error) {
	token, err := BearerToken(r)
	if err != nil {
		return domain.Principal{}, err
	}
	return a.AuthenticateToken(ctx, token)
}

// AuthenticateToken verifies a raw token with the verifier its issuer
// names. The issuer is read from the unverified payload only to choose
// the verifier, which then checks everything, the issuer included; a
// forged "iss" can at most pick the verifier that will refuse it.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (domain.Principal, error) {
	iss, ok := unverifiedIssuer(token)
	switch {
	case !ok:
		return domain.Principal{}, errInvalidToken()
	case a.local != nil && iss == a.local.issuer:
		return a.verifyLocal(ctx, token)
	case a.oidc != nil && iss == a.oidc.Issuer():
		return a.oidc.Verify(ctx, token)
	}
	return domain.Principal{}, errInvalidToken()
}

// verifyLocal verifies a local token and checks its account.
func (a *Authenticator) verifyLocal(ctx context.Context, token string) (domain.Principal, error) {
	p, err := a.local.Verify(token)
	if err != nil || a.accounts == nil {
		return p, err
	}
	username, ok := strings.CutPrefix(p.Subject, LocalSubjectPrefix)
	if !ok {
		return domain.Principal{}, errInvalidToken()
	}
	if err := a.accounts.Check(ctx, username); err != nil {
		return domain.Principal{}, err
	}
	return p, nil
}

// BearerToken extracts the token of an "Authorization: Bearer" header
// (RFC 6750; the scheme is case-insensitive).
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", domain.Unauthenticated("missing bearer token")
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", domain.Unauthenticated("authorization header is not a bearer token")
	}
	return token, nil
}

// unverifiedIssuer decodes "iss" from a compact JWS without verifying it.
func unverifiedIssuer(token string) (string, bool) {
	if len(token) > maxTokenBytes {
		return "", false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims struct {
		Issuer string `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Issuer == "" {
		return "", false
	}
	return claims.Issuer, true
}
