package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// verdi is an enrolment of Giovanni Verdi with the codice fiscale given.
func verdi(cf string) map[string]any {
	return map[string]any{"first_name": "Giovanni", "last_name": "Verdi", "codice_fiscale": cf, "address": "Via Padova 5, Milano"}
}

// birthRecord is what the tests read of a patient record.
type birthRecord struct {
	ID        string `json:"id"`
	BirthDate string `json:"birth_date"`
	Age       int    `json:"age"`
	AgeClass  string `json:"age_class"`
}

// TestEnrolmentPlacesTheBirthCentury runs on both backends with the
// store's clock (which places the century) on 2026-11-29. Ages in the
// answer follow the real clock, so only the birth date is compared
// exactly; the domain tests check 102 on that day.
func TestEnrolmentPlacesTheBirthCentury(t *testing.T) {
	day := func() time.Time { return time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC) }
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.StoreClock = day }})
			doctor := s.Login(t, demo.Doctor, "alice")
			t.Run("the man born 10 March 1924 is a centenarian, 85+", func(t *testing.T) {
				rec := enrolBirth(t, s, doctor, verdi("VRDGNN24C10F205I"))
				if rec.BirthDate != "1924-03-10" || rec.AgeClass != "85+" || rec.Age < 102 {
					t.Errorf("record %+v, want born 1924-03-10, 85+, 102 or more", rec)
				}
			})
			const ambiguous = "VRDGNN06A01F205A" // 1 January 06: 20 or 120
			t.Run("an ambiguous code without birth_year is a 422 naming the plausible years", func(t *testing.T) {
				p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", doctor, verdi(ambiguous)), http.StatusUnprocessableEntity)
				wantError(t, p, "body.birth_year", "the codice fiscale admits birth in 1906 or 2006: confirm the birth year")
			})
			t.Run("a birth_year the code does not admit is a 422", func(t *testing.T) {
				p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", doctor, withField(verdi(ambiguous), "birth_year", 1960)),
					http.StatusUnprocessableEntity)
				wantError(t, p, "body.birth_year", "must be one of the years the codice fiscale admits: 1906 or 2006")
			})
			t.Run("with the doctor's birth_year the code is enrolled in that year", func(t *testing.T) {
				rec := enrolBirth(t, s, doctor, withField(verdi(ambiguous), "birth_year", 1906))
				if rec.BirthDate != "1906-01-01" || rec.AgeClass != "85+" {
					t.Errorf("record %+v, want born 1906-01-01, 85+", rec)
				}
				edit := withField(verdi(ambiguous), "address", "Via Padova 7, Milano")
				res := s.Do(t, http.MethodPut, "/api/v1/patients/"+rec.ID, doctor, edit)
				var again birthRecord
				if res.JSON(t, &again); res.Status != http.StatusOK || again.BirthDate != "1906-01-01" {
					t.Errorf("after an edit without birth_year: %d %s, want 1906 kept", res.Status, res.Body)
				}
			})
		})
	}
}

func TestEnrolmentRefusesNamesThatDisagreeWithTheCode(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	cases := []struct {
		name, first, last, location string
	}{
		{"another surname", "Giovanni", "Rossi", "body.last_name"},
		{"another first name", "Giorgio", "Verdi", "body.first_name"},
		{"surname and first name swapped", "Verdi", "Giovanni", "body.last_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := verdi("VRDGNN24C10F205I")
			body["first_name"], body["last_name"] = c.first, c.last
			res := s.Do(t, http.MethodPost, "/api/v1/patients", doctor, body)
			p := checkProblem(t, res, http.StatusUnprocessableEntity)
			wantError(t, p, c.location, "does not match the codice fiscale")
			for _, secret := range []string{"VRDGNN24C10F205I", "VRD", "GNN", c.first, c.last} {
				if strings.Contains(strings.ToUpper(string(res.Body)), strings.ToUpper(secret)) {
					t.Errorf("the refusal echoes %q: %s", secret, res.Body)
				}
			}
		})
	}
	t.Run("an accented, apostrophised double surname matches", func(t *testing.T) {
		body := verdi(mustRename(t, newCodiceFiscale(t, 27), "Dell'Orto De Luca", "Elèna"))
		body["first_name"], body["last_name"] = "Elèna", "Dell’Orto De Luca"
		enrolBirth(t, s, doctor, body)
	})
}

func wantError(t *testing.T, p apiProblem, location, message string) {
	t.Helper()
	for _, e := range p.Errors {
		if e.Location == location && e.Message == message && e.Value == nil {
			return
		}
	}
	t.Errorf("problem %+v lacks %s: %q", p, location, message)
}

func enrolBirth(t *testing.T, s *apptest.Server, token string, body any) birthRecord {
	t.Helper()
	res := s.Do(t, http.MethodPost, "/api/v1/patients", token, body)
	if res.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	var rec birthRecord
	res.JSON(t, &rec)
	return rec
}
