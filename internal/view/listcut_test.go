package view

import (
	"testing"

	"serenade/internal/access"
	"serenade/internal/domain"
)

// TestListOrdersOfCallersWithoutIDsAreCut: every caller whose lists are
// ordered by a role's stored sort keys (every union of roles that does
// not see ids) compares the times its lists sort by (enrolment dates,
// last activity, ticket times) cut to the hour or coarser. The store
// keeps those cuts as stored heads with an index each (store/listheads.go);
// an exact time would fall back to an expression over every row.
func TestListOrdersOfCallersWithoutIDsAreCut(t *testing.T) {
	t.Parallel()
	roles := domain.AllRoles
	for mask := 1; mask < 1<<len(roles); mask++ {
		var set []domain.Role
		for i, r := range roles {
			if mask&(1<<i) != 0 {
				set = append(set, r)
			}
		}
		v := Viewers{}.For(domain.Principal{Subject: "s", Roles: set})
		if v.OrderRole() == "" {
			continue
		}
		for _, class := range []access.TimeClass{access.EnrolmentDates, access.ActivityTimes, access.TicketTimes} {
			if c := v.Cut(class); c == domain.CutExact {
				t.Errorf("roles %v order class %d by exact times", set, class)
			}
		}
	}
}
