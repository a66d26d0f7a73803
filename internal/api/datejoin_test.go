package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// TestDoctorCorrectsTheEnrolmentDate, on both backends: the doctor's
// correction of date_join follows the enrolment's rule, is refused after
// the start of collection, for withdrawn patients and for other roles,
// and is in the patient's access history as an update of the patient.
func TestDoctorCorrectsTheEnrolmentDate(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { doctorCorrectsTheEnrolmentDate(t, backend) })
	}
}

type dateJoinCase struct {
	date   string
	status int
}

func doctorCorrectsTheEnrolmentDate(t *testing.T, backend string) {
	// The store's clock stands still at noon: on the real clock, midnight
	// (UTC) passing between reading today and a correction would move
	// "tomorrow" and the day after by a day, and the bounds with them.
	noon := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.StoreClock = noon }})
	doctor := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	homes := wdDemoHomes(t, s, doctor, iit)
	if len(homes["to_install"]) == 0 || len(homes["working"]) == 0 {
		t.Fatalf("the demo lacks a home to install and a working one: %v", homes)
	}
	notStarted, working := homes["to_install"][0].patient, homes["working"][0].patient
	today := s.App.Store().Now().UTC()
	day := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	put := func(patient, token, date string) apptest.Response {
		return s.Do(t, http.MethodPut, "/api/v1/patients/"+patient+"/date-join", token, map[string]string{"date_join": date})
	}

	t.Run("the enrolment's bounds apply: 2000-01-01 to tomorrow", func(t *testing.T) {
		for _, c := range []dateJoinCase{{"2000-01-01", 200}, {day(1), 200}, {day(-400), 200}, {"2018-02-28", 200},
			{"1999-12-31", 422}, {day(2), 422}, {"1800-01-01", 422}, {"2018-02-30", 422}, {"18-01-01", 422}, {"", 422}} {
			res := put(notStarted, doctor, c.date)
			if c.status != http.StatusOK {
				p := checkProblem(t, res, c.status)
				if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location, "date_join") {
					t.Errorf("%q: errors %+v, want one at date_join", c.date, p.Errors)
				}
				continue
			}
			if res.Status != http.StatusOK {
				t.Fatalf("%q: %d %s", c.date, res.Status, res.Body)
			}
			var rec struct {
				DateJoin string `json:"date_join"`
			}
			s.Do(t, http.MethodGet, "/api/v1/patients/"+notStarted, doctor, nil).JSON(t, &rec)
			if rec.DateJoin != c.date {
				t.Errorf("after correcting to %s the record says %s", c.date, rec.DateJoin)
			}
		}
	})

	t.Run("once collection started, not after its first day", func(t *testing.T) {
		p := checkProblem(t, put(working, doctor, day(1)), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "start of data collection") {
			t.Errorf("errors %+v, want the collection's start named", p.Errors)
		}
		if res := put(working, doctor, "2000-01-01"); res.Status != http.StatusOK {
			t.Errorf("a date before collection: %d %s", res.Status, res.Body)
		}
	})

	t.Run("no other role may correct it", func(t *testing.T) {
		for _, who := range []struct{ user, pw string }{{demo.Installer, "gennaro"}, {demo.Monitoring, "vincenzo"}, {demo.Researcher, "stefano"}, {demo.Admin, "anna"}} {
			checkProblem(t, put(notStarted, s.Login(t, who.user, who.pw), "2001-01-01"), http.StatusForbidden)
		}
	})

	t.Run("the correction is in the patient's history as an update of the patient", func(t *testing.T) {
		var h auditPage
		s.Do(t, http.MethodGet, "/api/v1/patients/"+notStarted+"/access-history?limit=1000", doctor, nil).JSON(t, &h)
		ok, refused := 0, 0
		for _, e := range h.Entries {
			if e.Operation == "correct-date-join" && e.Action == "patient.update" {
				if e.Status == http.StatusOK {
					ok++
				} else {
					refused++
				}
			}
		}
		// Bodies huma refuses before the reference is resolved (not a
		// date) are audited without a patient; the rule's refusals carry it.
		if ok != 4 || refused < 2 {
			t.Errorf("history holds %d accepted and %d refused corrections, want 4 and at least 2: %+v", ok, refused, h.Entries)
		}
	})

	t.Run("a withdrawn patient's date is not corrected", func(t *testing.T) {
		if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+notStarted, doctor, nil); res.Status != http.StatusNoContent {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		checkProblem(t, put(notStarted, doctor, "2001-01-01"), http.StatusConflict)
	})
}
