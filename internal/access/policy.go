package access

import (
	"slices"

	"serenade/internal/domain"
)

// The matrix says which actions a role may perform; the policies below
// say what a role is shown of what it may read. They are data too, and
// every layer that shows data (the REST API, the web UI, exports) asks
// them here instead of testing roles itself.

// Policy is a named right to see something beyond an action's grant.
type Policy string

const (
	// SeeIdentity: patients' names, addresses and contacts. Free text is
	// shown unredacted only to these roles; text they write may name the
	// patient, so it is redacted for everyone else, and text written by
	// the others is stored as written blind (domain.AuthoredContext). The
	// same roles may read the contact sheet.
	SeeIdentity Policy = "see.identity"

	// SeeInternalIDs: the database's ids. Every other role is shown its
	// own per-role pseudonyms instead (SPEC §4), exact timestamps only
	// where its precision says so, and lists in an order that follows
	// only what it is shown, never the ids.
	SeeInternalIDs Policy = "see.internal-ids"
)

// policies maps each policy to the roles that have it.
var policies = map[Policy][]domain.Role{
	SeeIdentity:    {doctor, installer},
	SeeInternalIDs: {doctor},
}

// Has reports whether any of the roles has the policy. A policy missing
// from the table is had by nobody.
func Has(roles []domain.Role, p Policy) bool {
	return slices.ContainsFunc(policies[p], func(r domain.Role) bool { return slices.Contains(roles, r) })
}

// SeesIdentity reports whether the roles may read patients' names and
// addresses (the SeeIdentity policy).
func SeesIdentity(roles []domain.Role) bool { return Has(roles, SeeIdentity) }

// order is the role order: a caller with several roles that does not see
// internal ids is shown the pseudonyms of the first of its roles in this
// order (so one caller always sees one name per resource), and its
// references are tried against each of its roles in this order.
var order = []domain.Role{doctor, installer, monitoring, researcher, admin}

// PseudonymRoles are the caller's roles that do not see internal ids, in
// the role order: a reference the caller sends may be a pseudonym of any
// of them and, unless the caller sees internal ids, the first one names
// every resource it is shown.
func PseudonymRoles(roles []domain.Role) []domain.Role {
	var out []domain.Role
	for _, r := range order {
		if slices.Contains(roles, r) && !Has([]domain.Role{r}, SeeInternalIDs) {
			out = append(out, r)
		}
	}
	return out
}
