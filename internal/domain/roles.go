package domain

import (
	"context"
	"slices"
)

// Role is one of the five study roles of the access matrix. Identity
// providers' role names are mapped onto these at the edge.
type Role string

const (
	RoleDoctor     Role = "dottore" // hospital clinicians
	RoleInstaller  Role = "iit"     // field technicians
	RoleMonitoring Role = "imt"     // device-health team
	RoleResearcher Role = "unimi"   // university researchers
	RoleAdmin      Role = "admin"   // data-protection officer / platform admin
)

// AllRoles lists every role, in the order the access matrix shows them.
var AllRoles = []Role{RoleDoctor, RoleInstaller, RoleMonitoring, RoleResearcher, RoleAdmin}

// ParseRole returns the role with that exact name, or false.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(AllRoles, r)
}

// Principal is the authenticated actor of a request. It travels in the
// context so that the layer serving the data can authorise and audit.
type Principal struct {
	Subject  string // stable subject identifier (local account id or OIDC "sub")
	Username string // human-readable name for audit
	Roles    []Role
}

// Has reports whether the principal holds the role.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal carried by ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ActorName is the username recorded as author of a change.
func ActorName(ctx context.Context) string {
	if p, ok := PrincipalFrom(ctx); ok && p.Username != "" {
		return p.Username
	}
	return SystemSender
}
