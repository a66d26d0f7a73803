package api_test

import (
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDoctorEnrolsAndReadsAPatient(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	tok := s.Login(t, demo.Doctor, "alice")
	res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, map[string]any{
		"first_name": "Ernesto", "last_name": "Brambilla", "codice_fiscale": "BRMRST41C12F205Z", "address": "Via Padova 5, Milano",
		"diagnosis_class": "mci", "contacts": []map[string]string{{"alias": "son Luca", "phone": "+39 340 1111111"}},
	})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "codice_fiscale") {
		t.Fatalf("bad check character: %d %s", res.Status, res.Body)
	}
	t.Logf("%s", res.Body)
}

func TestUnknownRoutesAndMethodsAreProblems(t *testing.T) {
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
