package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/webtest"
)

// TestEnrolmentContactsAreOptional: contacts are optional, as in the
// API's contract: rows left empty (or only blanks) are ignored and the
// patient is enrolled without a contact; a row filled in part is refused
// next to its input, with the error summary, in words that say what is
// missing, and the rows come back as typed.
func TestEnrolmentContactsAreOptional(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Doctor, "alice")
	tok := webtest.CSRF(c.Get(t, "/patients/new").Body)
	p := storetest.Patient(t, 9).Identity
	form := func(contacts map[string]string) url.Values {
		f := url.Values{"csrf": {tok}, "last_name": {p.LastName}, "first_name": {p.FirstName}, "codice_fiscale": {p.CodiceFiscale},
			"address": {p.Address}, "diagnosis_class": {"mci"}}
		for k, v := range contacts {
			f.Set(k, v)
		}
		return f
	}
	for _, tc := range []struct {
		what     string
		contacts map[string]string
		input    string
		want     string
	}{
		{"a second row with a name only", map[string]string{"contacts[1].alias": "vicina Teresa"},
			"contacts[1].phone", "Indica un telefono o un&#39;email per questo contatto."},
		{"a first row with a phone only", map[string]string{"contacts[0].phone": "+39 02 1234567"},
			"contacts[0].alias", "Campo obbligatorio."},
	} {
		res := c.Post(t, "/patients/new", form(tc.contacts))
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", tc.what, res.Status)
		}
		if got := fieldError(res.Body, tc.input); got != tc.want {
			t.Errorf("%s: %s says %q, want %q", tc.what, tc.input, got, tc.want)
		}
		if got := errorSummary(res.Body); got != fixErrors {
			t.Errorf("%s: error summary %q, want %q", tc.what, got, fixErrors)
		}
		for _, typed := range tc.contacts {
			if !strings.Contains(html.UnescapeString(res.Body), `value="`+typed+`"`) {
				t.Errorf("%s: the form lost %q", tc.what, typed)
			}
		}
	}
	ok := c.Post(t, "/patients/new", form(map[string]string{"contacts[0].alias": "  ", "contacts[2].email": " "}))
	if ok.Status != http.StatusSeeOther || !strings.Contains(ok.Location(), "?saved=enrol") {
		t.Fatalf("enrolment without a contact = %d %q, want 303 to the patient", ok.Status, ok.Location())
	}
	page := html.UnescapeString(c.Get(t, ok.Location()).Body)
	for _, want := range []string{p.LastName + " " + p.FirstName, p.CodiceFiscale, "Nessun contatto."} {
		if !strings.Contains(page, want) {
			t.Errorf("the patient enrolled without a contact: the page lacks %q", want)
		}
	}
}
