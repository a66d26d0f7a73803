package view

import (
	"testing"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
)

// TestTimestampsAreShownAtTheirRolesPrecision checks the policy table
// cell by cell on one instant, for single roles, unions of roles and
// doctors.
func TestTimestampsAreShownAtTheirRolesPrecision(t *testing.T) {
	t.Parallel()
	instant := time.Date(2025, time.August, 17, 14, 35, 12, 123456789, time.FixedZone("CEST", 2*3600))
	const (
		exact   = "2025-08-17T12:35:12.123456789Z"
		hour    = "2025-08-17T12:00:00Z"
		day     = "2025-08-17T00:00:00Z"
		quarter = "2025-07-01T00:00:00Z"
		year    = "2025-01-01T00:00:00Z"
	)
	iit, imt, unimi, admin := domain.RoleInstaller, domain.RoleMonitoring, domain.RoleResearcher, domain.RoleAdmin
	cases := []struct {
		name   string
		doctor bool
		roles  []domain.Role
		want   map[access.TimeClass]string
	}{
		{"iit", false, []domain.Role{iit}, map[access.TimeClass]string{access.RecordTimes: day, access.CollectionTimes: day, access.TicketTimes: hour, access.DocumentTimes: day}},
		{"imt", false, []domain.Role{imt}, map[access.TimeClass]string{access.RecordTimes: day, access.CollectionTimes: day, access.TicketTimes: hour, access.DocumentTimes: day}},
		{"unimi", false, []domain.Role{unimi}, map[access.TimeClass]string{access.RecordTimes: year, access.CollectionTimes: quarter, access.TicketTimes: year, access.DocumentTimes: year}},
		{"admin (no patient data: the coarsest)", false, []domain.Role{admin}, map[access.TimeClass]string{access.RecordTimes: year, access.CollectionTimes: year, access.TicketTimes: year, access.DocumentTimes: year}},
		{"unimi+iit (the finer of the two)", false, []domain.Role{iit, unimi}, map[access.TimeClass]string{access.RecordTimes: day, access.CollectionTimes: day, access.TicketTimes: hour, access.DocumentTimes: day}},
		{"dottore", true, nil, map[access.TimeClass]string{access.RecordTimes: exact, access.CollectionTimes: exact, access.TicketTimes: exact, access.DocumentTimes: exact}},
		{"dottore+unimi", true, []domain.Role{unimi}, map[access.TimeClass]string{access.RecordTimes: exact, access.CollectionTimes: exact, access.TicketTimes: exact, access.DocumentTimes: exact}},
	}
	for _, c := range cases {
		roles := c.roles
		if c.doctor {
			roles = append([]domain.Role{domain.RoleDoctor}, roles...)
		}
		v := Viewers{}.For(domain.Principal{Roles: roles})
		for kind, want := range c.want {
			if got := v.At(kind, instant).UTC().Format(time.RFC3339Nano); got != want {
				t.Errorf("%s, class %d: %s, want %s", c.name, kind, got, want)
			}
			if got := v.AtPtr(kind, &instant).UTC().Format(time.RFC3339Nano); got != want {
				t.Errorf("%s, class %d (optional): %s, want %s", c.name, kind, got, want)
			}
		}
		if v.AtPtr(access.TicketTimes, nil) != nil {
			t.Errorf("%s: a missing time became a time", c.name)
		}
	}
}

// TestQuartersStartTheirSeason cuts the last instant of every month.
func TestQuartersStartTheirSeason(t *testing.T) {
	t.Parallel()
	for m := time.January; m <= time.December; m++ {
		end := time.Date(2025, m+1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
		got := coarsen(end, access.ToQuarter)
		if want := time.Month(3*((int(m)-1)/3) + 1); got.Month() != want || got.Day() != 1 || got.Year() != 2025 || !got.Equal(got.Truncate(24*time.Hour)) {
			t.Errorf("%s → %s, want 2025-%02d-01", end, got, want)
		}
	}
}
