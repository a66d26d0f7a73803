package api_test

import (
	"net/http"
	"os"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/conformance"
	"serenade/internal/testsupport/pgtest"
)

// TestMain runs the package's tests with the conformance check on: every
// exchange the tests make through apptest is validated against the
// OpenAPI document the server serves, and the package fails listing
// each answer the document does not declare (see docs/api.md, "OpenAPI
// conformance").
func TestMain(m *testing.M) {
	log := conformance.Start()
	code := pgtest.Run(m)
	os.Exit(log.Finish(os.Stderr, code, testing.Verbose()))
}

// A doctor's enrolment with a wrong check character is refused naming
// the codice fiscale; with the right one the patient is created, and
// reading it back gives what was typed, cleaned, and what the code says.
func TestDoctorEnrolsAndReadsAPatient(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	tok := s.Login(t, demo.Doctor, "alice")
	body := func(cf string) map[string]any {
		return map[string]any{
			"first_name": "Ernesto", "last_name": "Brambilla", "codice_fiscale": cf, "address": "  Via Padova 5, Milano ",
			"diagnosis_class": "mci", "contacts": []map[string]string{{"alias": "son Luca", "phone": "+39 340 1111111"}},
		}
	}
	res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, body("BRMRST41C12F205Z"))
	if p := checkProblem(t, res, http.StatusUnprocessableEntity); len(p.Errors) != 1 || p.Errors[0].Location != "body.codice_fiscale" {
		t.Fatalf("bad check character: %d %s", res.Status, res.Body)
	}
	res = s.Do(t, http.MethodPost, "/api/v1/patients", tok, body("brmrst41c12f205x"))
	if res.Status != http.StatusCreated {
		t.Fatalf("enrolment = %d %s, want 201", res.Status, res.Body)
	}
	var created struct {
		ID string `json:"id"`
	}
	res.JSON(t, &created)
	res = s.Do(t, http.MethodGet, "/api/v1/patients/"+created.ID, tok, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("read back = %d %s", res.Status, res.Body)
	}
	var got struct {
		ID            string `json:"id"`
		FirstName     string `json:"first_name"`
		LastName      string `json:"last_name"`
		CodiceFiscale string `json:"codice_fiscale"`
		Address       string `json:"address"`
		Sex           string `json:"sex"`
		BirthDate     string `json:"birth_date"`
		Contacts      []struct {
			Alias string `json:"alias"`
			Phone string `json:"phone"`
		} `json:"contacts"`
	}
	res.JSON(t, &got)
	if got.ID != created.ID || got.FirstName != "Ernesto" || got.LastName != "Brambilla" || got.CodiceFiscale != "BRMRST41C12F205X" ||
		got.Address != "Via Padova 5, Milano" || got.Sex != "M" || got.BirthDate != "1941-03-12" {
		t.Errorf("read back %+v from %s", got, res.Body)
	}
	if len(got.Contacts) != 1 || got.Contacts[0].Alias != "son Luca" || got.Contacts[0].Phone == "" {
		t.Errorf("contacts read back %+v", got.Contacts)
	}
}

func TestUnknownRoutesAndMethodsAreProblems(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{})
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/v1/nothing-here", http.StatusNotFound, ""},
		{http.MethodPatch, "/api/v1/patients", http.StatusMethodNotAllowed, "GET, POST"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			res := s.Do(t, c.method, c.path, "", nil)
			if res.Status != c.status || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Allow") != c.allow {
				t.Errorf("= %d %q allow %q: %s", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Allow"), res.Body)
			}
		})
	}
}
