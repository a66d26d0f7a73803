package api_test

import (
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// An enrolment may carry the home context the doctor knows; the new
// installation holds it, and a bad field is a 422 that names it.
func TestEnrolmentCarriesTheHomeContext(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	tok := s.Login(t, demo.Doctor, "alice")
	body := func(apartment string) map[string]any {
		return map[string]any{
			"first_name": "Ernesto", "last_name": "Brambilla", "codice_fiscale": "BRMRST41C12F205X", "address": "Via Padova 5, Milano",
			"diagnosis_class": "mci", "contacts": []map[string]string{{"alias": "son Luca", "phone": "+39 340 1111111"}},
			"home_context": map[string]string{"apartment_type": apartment, "pets": "a cat", "internet_type": "fibre"},
		}
	}
	res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, body("flat\nthird floor"))
	if p := checkProblem(t, res, http.StatusUnprocessableEntity); len(p.Errors) != 1 || p.Errors[0].Location != "body.home_context.apartment_type" {
		t.Fatalf("a line break in apartment_type: %d %s", res.Status, res.Body)
	}
	res = s.Do(t, http.MethodPost, "/api/v1/patients", tok, body(" flat, third floor "))
	if res.Status != http.StatusCreated {
		t.Fatalf("enrolment = %d %s", res.Status, res.Body)
	}
	var created struct {
		Installation string `json:"installation"`
	}
	res.JSON(t, &created)
	res = s.Do(t, http.MethodGet, "/api/v1/installations/"+created.Installation, tok, nil)
	var inst struct {
		Context map[string]string `json:"context"`
	}
	res.JSON(t, &inst)
	if c := inst.Context; c["apartment_type"] != "flat, third floor" || c["pets"] != "a cat" || c["internet_type"] != "fibre" || c["visitors"] != "" {
		t.Errorf("installation context = %v (%d %s)", c, res.Status, res.Body)
	}
}
