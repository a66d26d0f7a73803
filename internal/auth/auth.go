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
	"time"

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
	verified *verifiedTokens
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
	return &Authenticator{local: local, oidc: provider, verified: newVerifiedTokens()}, nil
}

// Authenticate returns the principal of the request's bearer token, or
// of the web session the context carries (see WithSessionPrincipal).
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (domain.Principal, error) {
	if p, ok := sessionPrincipal(ctx); ok {
		return a.authenticateSession(ctx, p)
	}
	token, err := BearerToken(r)
	if err != nil {
		return domain.Principal{}, err
	}
	return a.AuthenticateToken(ctx, token)
}

// AuthenticateToken verifies a raw token (or finds it verified before,
// see verifiedTokens), then checks a local token's account.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (domain.Principal, error) {
	v, ok := a.verified.get(token, a.now)
	if !ok {
		var expiry time.Time
		var err error
		if v, expiry, err = a.verify(ctx, token); err != nil {
			return domain.Principal{}, err
		}
		a.verified.put(token, v, expiry, a.now(v.local))
	}
	if v.local {
		return a.checkAccount(ctx, v.p)
	}
	return v.p, nil
}

// now is the clock of the local issuer or of the OIDC verifier.
func (a *Authenticator) now(local bool) time.Time {
	if local {
		return a.local.now()
	}
	return a.oidc.now()
}

// verify verifies a raw token with the verifier its issuer names, and
// returns its principal and expiry. The issuer is read from the
// unverified payload only to choose the verifier, which then checks
// everything, the issuer included; a forged "iss" can at most pick the
// verifier that will refuse it.
func (a *Authenticator) verify(ctx context.Context, token string) (verifiedToken, time.Time, error) {
	iss, ok := unverifiedIssuer(token)
	switch {
	case !ok:
	case a.local != nil && iss == a.local.issuer:
		p, expiry, err := a.local.verify(token)
		return verifiedToken{p: p, local: true}, expiry, err
	case a.oidc != nil && iss == a.oidc.Issuer():
		p, expiry, err := a.oidc.verify(ctx, token)
		return verifiedToken{p: p}, expiry, err
	}
	return verifiedToken{}, time.Time{}, errInvalidToken()
}

// checkAccount refuses a local token whose account may no longer act.
func (a *Authenticator) checkAccount(ctx context.Context, p domain.Principal) (domain.Principal, error) {
	if a.accounts == nil {
		return p, nil
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
