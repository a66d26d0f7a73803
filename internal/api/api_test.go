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
