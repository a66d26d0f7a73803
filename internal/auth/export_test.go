package auth

import (
	"context"

	"serenade/internal/domain"
)

// Verify is the local token check alone (the Authenticator adds the
// cache of verified tokens and the account check).
func (i *Issuer) Verify(token string) (domain.Principal, error) {
	p, _, err := i.verify(token)
	return p, err
}

// Verify is the OIDC token check alone.
func (v *OIDCVerifier) Verify(ctx context.Context, rawToken string) (domain.Principal, error) {
	p, _, err := v.verify(ctx, rawToken)
	return p, err
}
