package access

import (
	"fmt"
	"slices"
	"testing"

	"serenade/internal/domain"
)

// TestPoliciesFollowTheSpec spells out, role by role, which policies each
// role has, for every role and every policy of the table.
func TestPoliciesFollowTheSpec(t *testing.T) {
	want := map[domain.Role][]Policy{
		domain.RoleDoctor:    {SeeIdentity, SeeInternalIDs},
		domain.RoleInstaller: {SeeIdentity},
	}
	if len(policies) != 2 {
		t.Fatalf("policies %v: spell out the new one here", policies)
	}
	for _, role := range domain.AllRoles {
		for p := range policies {
			t.Run(fmt.Sprintf("%s has %s", role, p), func(t *testing.T) {
				if got, w := Has([]domain.Role{role}, p), slices.Contains(want[role], p); got != w {
					t.Errorf("Has = %v, want %v", got, w)
				}
			})
		}
	}
	for p := range policies {
		if Has(nil, p) {
			t.Errorf("%s had without a role", p)
		}
	}
	if Has(domain.AllRoles, Policy("made.up")) {
		t.Error("a policy missing from the table is had")
	}
}

// TestWhoSeesIdentityMayReadTheContactSheet: the identity policy and the
// contact sheet's grant are two rows that must agree, or a role would
// read names it is not shown elsewhere (or the reverse).
func TestWhoSeesIdentityMayReadTheContactSheet(t *testing.T) {
	for _, role := range domain.AllRoles {
		roles := []domain.Role{role}
		if SeesIdentity(roles) != Allows(roles, ContactSheetRead) {
			t.Errorf("%s: sees identity %v, may read the contact sheet %v", role, SeesIdentity(roles), Allows(roles, ContactSheetRead))
		}
	}
}

// TestRoleOrderListsEveryRoleOnce.
func TestRoleOrderListsEveryRoleOnce(t *testing.T) {
	if len(order) != len(domain.AllRoles) {
		t.Fatalf("order %v, roles %v", order, domain.AllRoles)
	}
	for _, r := range domain.AllRoles {
		if !slices.Contains(order, r) {
			t.Errorf("%s missing from the role order", r)
		}
	}
}

// TestPseudonymRolesOfEveryCombination walks every subset of the roles:
// the pseudonym roles are the subset's roles without internal ids, in
// the role order, and the first of them names what a caller without
// internal ids is shown.
func TestPseudonymRolesOfEveryCombination(t *testing.T) {
	all := domain.AllRoles
	for mask := range 1 << len(all) {
		var roles []domain.Role
		for i, r := range all {
			if mask&(1<<i) != 0 {
				roles = append(roles, r)
			}
		}
		slices.Reverse(roles) // the order given must not matter
		got := PseudonymRoles(roles)
		var want []domain.Role
		for _, r := range order {
			if slices.Contains(roles, r) && r != domain.RoleDoctor {
				want = append(want, r)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: pseudonym roles %v, want %v", roles, got, want)
		}
	}
	if got := PseudonymRoles([]domain.Role{domain.RoleAdmin, domain.RoleResearcher, domain.RoleInstaller}); got[0] != domain.RoleInstaller {
		t.Errorf("unimi+iit+admin is named by %s, want iit (the role order)", got[0])
	}
}

var timeClasses = []TimeClass{RecordTimes, CollectionTimes, TicketTimes, DocumentTimes, HealthTimes}

// TestPrecisionOfEveryRoleAndClass spells out the timestamp policy cell
// by cell, and that a caller gets the finest of its roles'.
func TestPrecisionOfEveryRoleAndClass(t *testing.T) {
	want := map[domain.Role]map[TimeClass]Precision{
		domain.RoleDoctor:     {RecordTimes: Exact, CollectionTimes: Exact, TicketTimes: Exact, DocumentTimes: Exact, HealthTimes: Exact},
		domain.RoleInstaller:  {RecordTimes: ToDay, CollectionTimes: ToDay, TicketTimes: ToHour, DocumentTimes: ToDay, HealthTimes: ToHour},
		domain.RoleMonitoring: {RecordTimes: ToDay, CollectionTimes: ToDay, TicketTimes: ToHour, DocumentTimes: ToDay, HealthTimes: Exact},
		domain.RoleResearcher: {RecordTimes: ToYear, CollectionTimes: ToQuarter, TicketTimes: ToYear, DocumentTimes: ToYear, HealthTimes: Exact},
		domain.RoleAdmin:      {RecordTimes: ToYear, CollectionTimes: ToYear, TicketTimes: ToYear, DocumentTimes: ToYear, HealthTimes: ToYear},
	}
	for _, role := range domain.AllRoles {
		for _, c := range timeClasses {
			if got := PrecisionFor([]domain.Role{role}, c); got != want[role][c] {
				t.Errorf("%s, class %d: %d, want %d", role, c, got, want[role][c])
			}
		}
	}
	for _, c := range timeClasses {
		if PrecisionFor(nil, c) != ToYear {
			t.Errorf("no role, class %d: not the coarsest", c)
		}
		if got := PrecisionFor([]domain.Role{domain.RoleResearcher, domain.RoleDoctor}, c); got != Exact {
			t.Errorf("unimi+dottore, class %d: %d, want exact", c, got)
		}
	}
}

// TestHealthPrecision: installers, who see identity and no readings, are
// shown device health coarsely; the roles that read the readings see it
// as it is; a caller with several roles gets the finest.
func TestHealthPrecision(t *testing.T) {
	for _, c := range []struct {
		roles []domain.Role
		exact bool
		p     Precision
	}{
		{[]domain.Role{domain.RoleDoctor}, true, Exact},
		{[]domain.Role{domain.RoleInstaller}, false, ToHour},
		{[]domain.Role{domain.RoleMonitoring}, true, Exact},
		{[]domain.Role{domain.RoleResearcher}, true, Exact},
		{[]domain.Role{domain.RoleInstaller, domain.RoleMonitoring}, true, Exact},
	} {
		if ExactHealth(c.roles) != c.exact || PrecisionFor(c.roles, HealthTimes) != c.p {
			t.Errorf("%v: exact %v precision %v", c.roles, ExactHealth(c.roles), PrecisionFor(c.roles, HealthTimes))
		}
	}
	if Allows([]domain.Role{domain.RoleInstaller}, StreamRead) || !Allows([]domain.Role{domain.RoleInstaller}, DeviceHealthRead) {
		t.Error("installers read device health only, not the readings")
	}
}
