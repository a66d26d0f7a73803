package auth

import (
	"context"
	"strings"

	"serenade/internal/domain"
)

// sessionKey is the context key of a web session's principal. It is
// unexported: only Go code in this process (the web UI's session layer,
// through WithSessionPrincipal) can set it, never an HTTP client.
type sessionKey struct{}

// WithSessionPrincipal returns ctx carrying the principal of a web
// session that the web layer has already authenticated (by its cookie).
// The API's Authenticate then uses it instead of a bearer token, still
// checking a local account through the account guard.
func WithSessionPrincipal(ctx context.Context, p domain.Principal) context.Context {
	return context.WithValue(ctx, sessionKey{}, p)
}

// sessionPrincipal returns the principal WithSessionPrincipal put in ctx.
func sessionPrincipal(ctx context.Context) (domain.Principal, bool) {
	p, ok := ctx.Value(sessionKey{}).(domain.Principal)
	return p, ok
}

// authenticateSession checks a session principal: a local account's
// (subject "local:…") through the account guard, so a disabled account
// is refused on its next request; an OIDC subject as it is, like an OIDC
// token, which the provider vouched for at login.
func (a *Authenticator) authenticateSession(ctx context.Context, p domain.Principal) (domain.Principal, error) {
	if strings.HasPrefix(p.Subject, LocalSubjectPrefix) {
		if a.local == nil {
			return domain.Principal{}, errInvalidToken()
		}
		return a.checkAccount(ctx, p)
	}
	if a.oidc == nil {
		return domain.Principal{}, errInvalidToken()
	}
	return p, nil
}
