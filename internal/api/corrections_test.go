package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// TestCollectionDatesAreCorrectedWithAReason, on both backends: doctors
// and monitoring correct the collection dates under the rules, with a
// reason kept in the installation's history, shown per role (as written
// to its blind author, absent for researchers, dates at each role's
// precision), and audited.
func TestCollectionDatesAreCorrectedWithAReason(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { collectionDatesAreCorrected(t, backend) })
	}
}

type collectionJSON struct {
	Start *time.Time `json:"collection_start"`
	End   *time.Time `json:"collection_end"`
}

type correctionJSON struct {
	CorrectedBy string     `json:"corrected_by"`
	OldStart    *time.Time `json:"old_collection_start"`
	NewStart    *time.Time `json:"collection_start"`
	NewEnd      *time.Time `json:"collection_end"`
	Reason      string     `json:"reason"`
}

func collectionDatesAreCorrected(t *testing.T, backend string) {
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	imt := s.Login(t, demo.Monitoring, "vincenzo")
	unimi := s.Login(t, demo.Researcher, "stefano")
	homes := wdDemoHomes(t, s, doctor, iit)
	if len(homes["working"]) < 2 || len(homes["to_install"]) == 0 {
		t.Fatalf("the demo lacks working homes and one to install: %v", homes)
	}
	working := homes["working"][0]
	instOf := func(patient string) int64 {
		var rec struct{ Installation string }
		s.Do(t, http.MethodGet, "/api/v1/patients/"+patient, doctor, nil).JSON(t, &rec)
		id, err := strconv.ParseInt(rec.Installation, 10, 64)
		if err != nil {
			t.Fatalf("installation %q of %s", rec.Installation, patient)
		}
		return id
	}
	codec := pseudonym.New(s.App.Store().PseudonymKey())
	ref := func(role domain.Role, id int64) string {
		if role == domain.RoleDoctor {
			return strconv.FormatInt(id, 10)
		}
		return codec.Encode(role, resource.Installation, id)
	}
	inst := instOf(working.patient)
	var before collectionJSON
	s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(domain.RoleDoctor, inst), doctor, nil).JSON(t, &before)
	if before.Start == nil || before.End == nil {
		t.Fatalf("a working home without collection dates: %+v", before)
	}
	put := func(role domain.Role, token string, id int64, body map[string]any) apptest.Response {
		return s.Do(t, http.MethodPut, "/api/v1/installations/"+ref(role, id)+"/collection-dates", token, body)
	}
	start, end := before.Start.Add(-26*time.Hour), before.End.Add(-26*time.Hour)
	reason := "Kit switched on the day before: " + working.first + " " + working.last + " confirmed it on the phone."

	t.Run("monitoring corrects both dates", func(t *testing.T) {
		res := put(domain.RoleMonitoring, imt, inst, map[string]any{"collection_start": start, "collection_end": end, "reason": reason})
		if res.Status != http.StatusOK {
			t.Fatalf("correct: %d %s", res.Status, res.Body)
		}
		var after collectionJSON
		s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(domain.RoleDoctor, inst), doctor, nil).JSON(t, &after)
		if !after.Start.Equal(start) || !after.End.Equal(end) {
			t.Errorf("dates now %v – %v, want %v – %v", after.Start, after.End, start, end)
		}
	})

	t.Run("the rules refuse, naming the field", func(t *testing.T) {
		toInstall := instOf(homes["to_install"][0].patient)
		now := s.App.Store().Now().UTC()
		var rec struct {
			DateJoin string `json:"date_join"`
		}
		s.Do(t, http.MethodGet, "/api/v1/patients/"+working.patient, doctor, nil).JSON(t, &rec)
		joined, err := time.Parse(time.DateOnly, rec.DateJoin)
		if err != nil {
			t.Fatalf("date_join %q: %v", rec.DateJoin, err)
		}
		beforeJoining := joined.Add(-15 * time.Hour) // 09:00 the day before
		cases := []struct {
			name  string
			id    int64
			body  map[string]any
			field string
		}{
			{"no reason", inst, map[string]any{"collection_start": start, "collection_end": end}, "reason"},
			{"a blank reason", inst, map[string]any{"collection_start": start, "collection_end": end, "reason": "   "}, "reason"},
			{"a reason too long", inst, map[string]any{"collection_start": start, "collection_end": end, "reason": strings.Repeat("a", 1001)}, "reason"},
			{"end before start", inst, map[string]any{"collection_start": start, "collection_end": start.Add(-time.Hour), "reason": "typo"}, "collection_end"},
			{"start before 2000", inst, map[string]any{"collection_start": time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), "collection_end": end, "reason": "typo"}, "collection_start"},
			{"start after tomorrow", inst, map[string]any{"collection_start": now.AddDate(0, 0, 3), "collection_end": now.AddDate(0, 0, 4), "reason": "typo"}, "collection_start"},
			{"longer than a collection", inst, map[string]any{"collection_start": start, "collection_end": start.AddDate(0, domain.CollectionMonths, 1), "reason": "typo"}, "collection_end"},
			{"the end dropped", inst, map[string]any{"collection_start": start, "reason": "typo"}, "collection_end"},
			{"a start the day before the enrolment", inst, map[string]any{"collection_start": beforeJoining, "collection_end": end, "reason": "typo"}, "collection_start"},
			{"a start on a home not installed", toInstall, map[string]any{"collection_start": start, "reason": "typo"}, "collection_start"},
		}
		for _, c := range cases {
			p := checkProblem(t, put(domain.RoleDoctor, doctor, c.id, c.body), http.StatusUnprocessableEntity)
			// huma names a missing required property in the message, at the body.
			if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location+" "+p.Errors[0].Message, c.field) {
				t.Errorf("%s: errors %+v, want one at %s", c.name, p.Errors, c.field)
			}
		}
		for _, tok := range []string{iit, unimi} {
			checkProblem(t, put(domain.RoleInstaller, tok, inst, map[string]any{"collection_start": start, "collection_end": end, "reason": "typo"}), http.StatusForbidden)
		}
	})

	// The demo's own correction (the kit installed weeks before its
	// ticket was closed) comes first; the one accepted above is the last.
	history := func(role domain.Role, token string) correctionJSON {
		var out struct{ Corrections []correctionJSON }
		res := s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(role, inst)+"/collection-dates/corrections", token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("history as %s: %d %s", role, res.Status, res.Body)
		}
		res.JSON(t, &out)
		if len(out.Corrections) != 2 || !out.Corrections[1].OldStart.Equal(*out.Corrections[0].NewStart) {
			t.Fatalf("history as %s holds %d corrections, want the demo's and the one accepted after it: %s", role, len(out.Corrections), res.Body)
		}
		return out.Corrections[1]
	}

	t.Run("the history keeps the dates before and the reason, per role", func(t *testing.T) {
		doc := history(domain.RoleDoctor, doctor)
		if doc.Reason != reason || !doc.OldStart.Equal(*before.Start) || !doc.NewStart.Equal(start) || doc.CorrectedBy != demo.Monitoring {
			t.Errorf("doctor's history %+v, want the exact dates, %s and the reason %q", doc, demo.Monitoring, reason)
		}
		if got := history(domain.RoleInstaller, iit); got.Reason != reason || !got.NewStart.Equal(start.Truncate(24*time.Hour)) {
			t.Errorf("installer's history %+v, want the reason whole and the day", got)
		}
		// Monitoring wrote it blind: it reads it as written, as it would
		// whatever the name (TestCorrectionReasonsWrittenBlindReadAsWritten
		// has a doctor's reason redacted for it).
		if got := history(domain.RoleMonitoring, imt); got.Reason != reason {
			t.Errorf("monitoring's reason %q, want its own as written, %q", got.Reason, reason)
		}
		// The history's length and authors would join the researcher's
		// export to the field teams' (SPEC §4): not theirs to read.
		if res := s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(domain.RoleResearcher, inst)+"/collection-dates/corrections", unimi, nil); res.Status != http.StatusForbidden {
			t.Errorf("the researcher reads the correction history: %d %s", res.Status, res.Body)
		}
	})

	t.Run("the correction is audited in the patient's access history", func(t *testing.T) {
		var h auditPage
		s.Do(t, http.MethodGet, "/api/v1/patients/"+working.patient+"/access-history?limit=1000", doctor, nil).JSON(t, &h)
		ok := 0
		for _, e := range h.Entries {
			if e.Operation == "correct-collection-dates" && e.Action == "installation.correct-dates" && e.Status == http.StatusOK && e.Actor == demo.Monitoring {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("%d audited corrections by monitoring, want 1", ok)
		}
	})

	t.Run("a withdrawn patient's dates are not corrected, and the reasons are erased", func(t *testing.T) {
		if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+working.patient, doctor, nil); res.Status != http.StatusNoContent {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		checkProblem(t, put(domain.RoleDoctor, doctor, inst, map[string]any{"collection_start": start, "collection_end": end, "reason": "typo"}), http.StatusConflict)
		var out struct{ Corrections []correctionJSON }
		s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(domain.RoleDoctor, inst)+"/collection-dates/corrections", doctor, nil).JSON(t, &out)
		if len(out.Corrections) != 0 {
			t.Errorf("a withdrawn patient's corrections are still there: %+v", out.Corrections)
		}
	})
}

// TestCorrectingOneDateKeepsTheOtherAsStored, on both backends: the field
// teams are shown the collection dates cut to the day, and send back the
// date they do not correct as shown; that date stays as stored (an end
// at 22:30 is not moved to midnight, hours earlier), while the date they
// correct is stored as sent.
func TestCorrectingOneDateKeepsTheOtherAsStored(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			imt := s.Login(t, demo.Monitoring, "vincenzo")
			homes := wdDemoHomes(t, s, doctor, s.Login(t, demo.Installer, "gennaro"))
			if len(homes["working"]) == 0 {
				t.Fatal("the demo has no working home")
			}
			var rec struct{ Installation string }
			s.Do(t, http.MethodGet, "/api/v1/patients/"+homes["working"][0].patient, doctor, nil).JSON(t, &rec)
			id, err := strconv.ParseInt(rec.Installation, 10, 64)
			if err != nil {
				t.Fatalf("installation %q", rec.Installation)
			}
			mon := pseudonym.New(s.App.Store().PseudonymKey()).Encode(domain.RoleMonitoring, resource.Installation, id)
			var exact collectionJSON
			s.Do(t, http.MethodGet, "/api/v1/installations/"+rec.Installation, doctor, nil).JSON(t, &exact)
			if exact.Start == nil || exact.End == nil {
				t.Fatalf("a working home without collection dates: %+v", exact)
			}
			end := exact.End.UTC().Truncate(24 * time.Hour).Add(-90 * time.Minute) // 22:30 the day before
			if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+rec.Installation+"/collection-dates", doctor,
				map[string]any{"collection_start": exact.Start, "collection_end": end, "reason": "End at the gateway's last upload."}); res.Status != http.StatusOK {
				t.Fatalf("the doctor's correction: %d %s", res.Status, res.Body)
			}
			var shown collectionJSON
			s.Do(t, http.MethodGet, "/api/v1/installations/"+mon, imt, nil).JSON(t, &shown)
			if !shown.End.Equal(end.Truncate(24 * time.Hour)) {
				t.Fatalf("monitoring is shown the end as %v, want %v (its day)", shown.End, end.Truncate(24*time.Hour))
			}
			start := shown.Start.AddDate(0, 0, 1)
			if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+mon+"/collection-dates", imt,
				map[string]any{"collection_start": start, "collection_end": shown.End, "reason": "The gateway began sending the day after."}); res.Status != http.StatusOK {
				t.Fatalf("monitoring's correction of the start: %d %s", res.Status, res.Body)
			}
			var after collectionJSON
			s.Do(t, http.MethodGet, "/api/v1/installations/"+rec.Installation, doctor, nil).JSON(t, &after)
			if !after.Start.Equal(start) || !after.End.Equal(end) {
				t.Errorf("dates now %v – %v, want %v (as sent) – %v (as stored)", after.Start, after.End, start, end)
			}
		})
	}
}

// demoWorkingInstallation is a working demo home: its patient's id, the
// installation's id, and the patient's record as the doctor reads it.
func demoWorkingInstallation(t *testing.T, s *apptest.Server, doctor string) (int64, patientRecordJSON) {
	t.Helper()
	homes := wdDemoHomes(t, s, doctor, s.Login(t, demo.Installer, "gennaro"))
	if len(homes["working"]) == 0 {
		t.Fatal("the demo has no working home")
	}
	var rec patientRecordJSON
	s.Do(t, http.MethodGet, "/api/v1/patients/"+homes["working"][0].patient, doctor, nil).JSON(t, &rec)
	id, err := strconv.ParseInt(rec.Installation, 10, 64)
	if err != nil {
		t.Fatalf("installation %q", rec.Installation)
	}
	return id, rec
}

type patientRecordJSON struct {
	ID           string `json:"id"`
	Installation string `json:"installation"`
	LastName     string `json:"last_name"`
	Address      string `json:"address"`
	Contacts     []struct {
		Phone string `json:"phone"`
	} `json:"contacts"`
}

// TestCorrectionProbesLearnNothingOfTheHiddenTime, on both backends:
// monitoring is shown a collection start of 18:50:29.831 as its day, D.
// Sending the start back as shown with an end T anywhere in D (midnight,
// before the hidden time, at it, after it) is answered alike, with the
// same dates shown, so a search over T (which recovered the time in 27
// requests when the rules ran on the stored start) learns nothing. What
// is stored is the precise start when the end does not precede it, else
// D (an end at midnight is the end as shown, and keeps both as stored).
// A doctor, who sees the start, is refused an end before it.
func TestCorrectionProbesLearnNothingOfTheHiddenTime(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			imt := s.Login(t, demo.Monitoring, "vincenzo")
			id, rec := demoWorkingInstallation(t, s, doctor)
			mon := pseudonym.New(s.App.Store().PseudonymKey()).Encode(domain.RoleMonitoring, resource.Installation, id)
			var was collectionJSON
			s.Do(t, http.MethodGet, "/api/v1/installations/"+rec.Installation, doctor, nil).JSON(t, &was)
			if was.Start == nil {
				t.Fatalf("a working home without a collection start: %+v", was)
			}
			day := was.Start.UTC().Truncate(24 * time.Hour)
			precise := day.Add(18*time.Hour + 50*time.Minute + 29*time.Second + 831*time.Millisecond)
			lastOfDay := day.Add(24*time.Hour - time.Millisecond)
			// The doctor sets the start to the hidden time, before each
			// probe: the collection ends on its first day, so that the
			// probes' ends, all in it, are corrections the rules allow.
			reset := func() {
				t.Helper()
				if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+rec.Installation+"/collection-dates", doctor,
					map[string]any{"collection_start": precise, "collection_end": lastOfDay, "reason": "Dates from the gateway's log."}); res.Status != http.StatusOK {
					t.Fatalf("the doctor's correction: %d %s", res.Status, res.Body)
				}
			}
			ms := time.Millisecond
			for _, end := range []time.Time{day, day.Add(ms), day.Add(9 * time.Hour), precise.Add(-ms), precise, precise.Add(ms), lastOfDay} {
				reset()
				res := s.Do(t, http.MethodPut, "/api/v1/installations/"+mon+"/collection-dates", imt,
					map[string]any{"collection_start": day, "collection_end": end, "reason": "The kit was switched off the same day."})
				var shown collectionJSON
				if res.Status != http.StatusOK {
					t.Errorf("end %v: %d %s, want 200 whatever the hidden time", end, res.Status, res.Body)
					continue
				}
				if res.JSON(t, &shown); !shown.Start.Equal(day) || !shown.End.Equal(day) {
					t.Errorf("end %v: answered %v – %v, want the day %v for both", end, shown.Start, shown.End, day)
				}
				// An end of midnight is the end as shown: both dates are
				// kept as stored. Any other end is stored as sent, and the
				// start as stored unless it would follow the end.
				stored, storedEnd := precise, end
				switch {
				case end.Equal(day):
					storedEnd = lastOfDay
				case end.Before(precise):
					stored = day
				}
				var now collectionJSON
				s.Do(t, http.MethodGet, "/api/v1/installations/"+rec.Installation, doctor, nil).JSON(t, &now)
				if !now.Start.Equal(stored) || !now.End.Equal(storedEnd) {
					t.Errorf("end %v: stored %v – %v, want %v – %v", end, now.Start, now.End, stored, storedEnd)
				}
			}
			reset()
			checkProblem(t, s.Do(t, http.MethodPut, "/api/v1/installations/"+rec.Installation+"/collection-dates", doctor,
				map[string]any{"collection_start": precise, "collection_end": precise.Add(-ms), "reason": "typo"}), http.StatusUnprocessableEntity)
			checkProblem(t, s.Do(t, http.MethodPut, "/api/v1/installations/"+mon+"/collection-dates", imt,
				map[string]any{"collection_start": day, "collection_end": day.Add(-ms), "reason": "typo"}), http.StatusUnprocessableEntity)
		})
	}
}

// TestCorrectionReasonsWrittenBlindReadAsWritten, on both backends: a
// reason monitoring writes listing guesses at the patient's surname,
// phone and address reads back to monitoring exactly as written, so that
// what it reads does not tell which guess was right; the doctor and the
// installer read it as written too. A reason the doctor writes naming
// the patient stays redacted for monitoring. Researchers do not read the
// history at all.
func TestCorrectionReasonsWrittenBlindReadAsWritten(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			iit := s.Login(t, demo.Installer, "gennaro")
			imt := s.Login(t, demo.Monitoring, "vincenzo")
			unimi := s.Login(t, demo.Researcher, "stefano")
			id, rec := demoWorkingInstallation(t, s, doctor)
			if len(rec.Contacts) == 0 || rec.Contacts[0].Phone == "" || rec.LastName == "" || rec.Address == "" {
				t.Fatalf("the demo patient lacks a surname, an address or a contact's phone: %+v", rec)
			}
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			ref := map[domain.Role]string{domain.RoleDoctor: rec.Installation}
			for _, r := range []domain.Role{domain.RoleInstaller, domain.RoleMonitoring, domain.RoleResearcher} {
				ref[r] = codec.Encode(r, resource.Installation, id)
			}
			street, _, _ := strings.Cut(rec.Address, ",")
			guesses := "Rossi " + rec.LastName + " Bianchi; " + rec.Contacts[0].Phone + " and 333 1234567; " + street + " or Via Roma 3"
			var shown collectionJSON
			s.Do(t, http.MethodGet, "/api/v1/installations/"+ref[domain.RoleMonitoring], imt, nil).JSON(t, &shown)
			if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+ref[domain.RoleMonitoring]+"/collection-dates", imt,
				map[string]any{"collection_start": shown.Start, "collection_end": shown.End, "reason": guesses}); res.Status != http.StatusOK {
				t.Fatalf("monitoring's correction: %d %s", res.Status, res.Body)
			}
			named := "Confirmed on the phone by " + rec.LastName + "."
			if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+rec.Installation+"/collection-dates", doctor,
				map[string]any{"collection_start": shown.Start, "collection_end": shown.End, "reason": named}); res.Status != http.StatusOK {
				t.Fatalf("the doctor's correction: %d %s", res.Status, res.Body)
			}
			reasons := func(role domain.Role, token string) []string {
				t.Helper()
				var out struct{ Corrections []correctionJSON }
				res := s.Do(t, http.MethodGet, "/api/v1/installations/"+ref[role]+"/collection-dates/corrections", token, nil)
				if res.Status != http.StatusOK {
					t.Fatalf("history as %s: %d %s", role, res.Status, res.Body)
				}
				res.JSON(t, &out)
				if n := len(out.Corrections); n < 2 {
					t.Fatalf("history as %s: %d corrections, want at least monitoring's and the doctor's", role, n)
				}
				n := len(out.Corrections)
				return []string{out.Corrections[n-2].Reason, out.Corrections[n-1].Reason}
			}
			for role, token := range map[domain.Role]string{domain.RoleDoctor: doctor, domain.RoleInstaller: iit} {
				if got := reasons(role, token); got[0] != guesses || got[1] != named {
					t.Errorf("%s reads %q, want both as written: %q, %q", role, got, guesses, named)
				}
			}
			got := reasons(domain.RoleMonitoring, imt)
			if got[0] != guesses {
				t.Errorf("monitoring reads its own reason as %q, want it as written: %q", got[0], guesses)
			}
			if strings.Contains(got[1], rec.LastName) || !strings.HasPrefix(got[1], "Confirmed on the phone by ") {
				t.Errorf("monitoring reads the doctor's reason as %q, want the surname redacted", got[1])
			}
			if res := s.Do(t, http.MethodGet, "/api/v1/installations/"+ref[domain.RoleResearcher]+"/collection-dates/corrections", unimi, nil); res.Status != http.StatusForbidden {
				t.Errorf("the researcher reads the correction history: %d %s", res.Status, res.Body)
			}
		})
	}
}
