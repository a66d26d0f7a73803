package web

import (
	"testing"
	"time"

	"serenade/internal/domain"
)

// TestCutTimesAreShownAtTheirPrecision: a time a role is shown cut (to
// the day, the hour, the quarter) is written as the interval it names,
// never as an exact time or a relative time the cut made up; the
// precision per role and class is the views' (view.PrecisionFor).
func TestCutTimesAreShownAtTheirPrecision(t *testing.T) {
	s := testServer(t)
	now := time.Date(2026, 11, 29, 22, 5, 0, 0, time.UTC)
	page := func(lang string, role domain.Role) Page {
		return Page{L: s.bundle.Locale(lang, nil), Now: now, User: &domain.Principal{Roles: []domain.Role{role}}}
	}
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)   // a token's created_at or last_used_at cut to the day
	hour := time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC) // a ticket's last activity 3 minutes ago, cut to the hour
	exact := time.Date(2026, 11, 29, 22, 2, 0, 0, time.UTC)
	cases := []struct {
		page         Page
		how, class   string
		at           any
		want, exWant string
	}{
		{page("it", domain.RoleInstaller), "at", "record", day, "29 novembre 2026", ""},
		{page("en", domain.RoleInstaller), "at", "record", &day, "29 November 2026", ""},
		{page("it", domain.RoleInstaller), "since", "record", &day, "oggi", ""},
		{page("en", domain.RoleMonitoring), "since", "record", day.AddDate(0, 0, -1), "yesterday", ""},
		{page("it", domain.RoleMonitoring), "since", "record", day.AddDate(0, 0, -3), "3 giorni fa", ""},
		{page("it", domain.RoleMonitoring), "since", "activity", hour, "nell'ultima ora", ""},
		{page("en", domain.RoleInstaller), "since", "ticket", hour, "within the last hour", ""},
		{page("it", domain.RoleInstaller), "since", "ticket", hour.Add(-time.Hour), "nelle ultime 2 ore", ""},
		{page("it", domain.RoleMonitoring), "at", "ticket", hour, "29 novembre 2026, 23:00–00:00", ""},
		{page("it", domain.RoleResearcher), "at", "collection", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), "ottobre–dicembre 2026", ""},
		{page("en", domain.RoleResearcher), "at", "document", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026", ""},
		{page("it", domain.RoleDoctor), "at", "record", exact, "29 novembre 2026, 23:02", ""},
		{page("it", domain.RoleDoctor), "since", "ticket", exact, "3 minuti fa", ""},
		{page("it", domain.RoleInstaller), "at", "record", (*time.Time)(nil), "", ""},
		// a collection start at 23:59Z is that UTC day, the day the enrolment-date rule names, for every role
		{page("it", domain.RoleDoctor), "at", "collection", time.Date(2026, 5, 27, 23, 59, 0, 0, time.UTC), "27 maggio 2026", ""},
		{page("en", domain.RoleMonitoring), "at", "collection", time.Date(2026, 5, 27, 0, 0, 0, 0, time.UTC), "27 May 2026", ""},
		{page("it", domain.RoleInstaller), "at", "no such class", day, "", "unknown time class"},
	}
	for _, c := range cases {
		f := c.page.At
		if c.how == "since" {
			f = c.page.Since
		}
		got, err := f(c.class, c.at)
		if c.exWant != "" {
			if err == nil {
				t.Errorf("%s %s: no error, want %q", c.how, c.class, c.exWant)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s of %v as %v (%s): %q, %v; want %q", c.how, c.class, c.at, c.page.User.Roles, c.page.L.Lang, got, err, c.want)
		}
	}
}
