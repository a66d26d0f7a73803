package auth

import (
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"serenade/internal/domain"
)

// The caller-facing reasons a token is refused. They say what the client
// can act on (log in again, fix its clock) and nothing about keys,
// algorithms or configuration.
func errInvalidToken() error  { return domain.Unauthenticated("invalid token") }
func errExpired() error       { return domain.Unauthenticated("token expired") }
func errNotYetValid() error   { return domain.Unauthenticated("token not yet valid") }
func errWrongAudience() error { return domain.Unauthenticated("token not issued for this service") }
func errNoRolesClaim() error  { return domain.Unauthenticated("token carries no roles claim") }

// validateTimes checks exp, nbf and iat with leeway for clock skew. Unlike
// go-jose's own check, a missing exp is refused: a bearer token that never
// expires is not one this service accepts.
func validateTimes(c jwt.Claims, now time.Time, leeway time.Duration) error {
	if c.Expiry == nil {
		return errInvalidToken()
	}
	err := c.ValidateWithLeeway(jwt.Expected{Time: now}, leeway)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrExpired):
		return errExpired()
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return errNotYetValid()
	}
	return errInvalidToken()
}

// rolesFromNames maps role names through roleMap (identity when empty),
// drops names that map to no Serenade role and returns the roles without
// duplicates in the order of domain.AllRoles, so principals compare
// equal however the provider ordered the claim.
func rolesFromNames(names []string, roleMap map[string]string) []domain.Role {
	held := make(map[domain.Role]bool, len(names))
	for _, n := range names {
		if len(roleMap) > 0 {
			n = roleMap[n]
		}
		if r, ok := domain.ParseRole(n); ok {
			held[r] = true
		}
	}
	roles := []domain.Role{}
	for _, r := range domain.AllRoles {
		if held[r] {
			roles = append(roles, r)
		}
	}
	return roles
}
