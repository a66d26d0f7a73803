package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// A valid code for Mario Rossi and the kinds of bad codes a doctor types.
const marioCF = "RSSMRA45T10A562I"

// enrolForm is a complete enrolment of Mario Rossi with one contact.
func enrolForm(csrf, cf, first string) url.Values {
	return url.Values{"csrf": {csrf}, "last_name": {"Rossi"}, "first_name": {first}, "codice_fiscale": {cf},
		"address": {"Via Roma 1, Milano"}, "diagnosis": {"Alzheimer lieve"}, "diagnosis_class": {"alzheimer"},
		"contacts[0].alias": {"figlia"}, "contacts[0].phone": {"+39 333 1234567"}, "home_context.pets": {"un gatto"}}
}

// fieldError is the message next to an input in a rendered form.
func fieldError(body, name string) string {
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(name) + `-error"[^>]*>([^<]*)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestDoctorEnrolsEditsAndReadsHistoryOnBothBackends walks the doctor's
// main flow over HTTP: bad codes of each kind come back as a 422 with
// the typed values kept and the reason in words next to the field (in
// Italian); the corrected code enrols; the patient is in the list and
// found by search; a contact is edited in place; the access history
// shows the page views, which the API audited.
func TestDoctorEnrolsEditsAndReadsHistoryOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Doctor, "alice")
			form := c.Get(t, "/patients/new")
			tok := webtest.CSRF(form.Body)
			for _, bad := range []struct{ cf, first, field, want string }{
				{"RSSMRA45T10A562X", "Mario", "codice_fiscale", "carattere di controllo"},
				{"RSSMRA45T10A56", "Mario", "codice_fiscale", "16 caratteri"},
				{withCheck("RSSMRA45T10Z999"), "Mario", "codice_fiscale", "comune o stato di nascita"},
				{withCheck("RSSMRA45B30A562"), "Mario", "codice_fiscale", "non esiste in quel mese"},
				{marioCF, "Luigi", "first_name", "Non corrisponde al codice fiscale"},
			} {
				p := c.Post(t, "/patients/new", enrolForm(tok, bad.cf, bad.first))
				if p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("enrol with %s/%s = %d, want 422", bad.cf, bad.first, p.Status)
				}
				if got := fieldError(p.Body, bad.field); !strings.Contains(got, bad.want) {
					t.Errorf("enrol with %s/%s: %s error %q, want it to say %q", bad.cf, bad.first, bad.field, got, bad.want)
				}
				for _, kept := range []string{`value="` + bad.cf + `"`, `value="Via Roma 1, Milano"`, `value="figlia"`, `value="un gatto"`} {
					if !strings.Contains(p.Body, kept) {
						t.Errorf("enrol with %s: the form lost %s", bad.cf, kept)
					}
				}
			}
			if p := c.Post(t, "/patients/new", func() url.Values {
				f := enrolForm(tok, marioCF, "Mario")
				f.Del("contacts[0].phone")
				return f
			}()); p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p.Body, "contacts[0].phone"), "un telefono o un&#39;email") {
				t.Errorf("enrol with a contact without phone or email = %d, error %q; want 422 asking for one", p.Status, fieldError(p.Body, "contacts[0].phone"))
			}
			ok := c.Post(t, "/patients/new", enrolForm(tok, marioCF, "Mario"))
			if ok.Status != http.StatusSeeOther || !strings.Contains(ok.Location(), "?saved=enrol") {
				t.Fatalf("enrol = %d %q, want 303 to the patient", ok.Status, ok.Location())
			}
			page := c.Get(t, ok.Location())
			page.Body = html.UnescapeString(page.Body)
			for _, want := range []string{"Rossi Mario", marioCF, "Paziente arruolato", "Maschio", "10 dicembre 1945", "figlia", "un gatto", "Installazione"} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("patient page lacks %q", want)
				}
			}
			patient := strings.TrimPrefix(strings.Split(ok.Location(), "?")[0], "/patients/")
			if l := c.Get(t, "/patients?q=rossi"); !strings.Contains(l.Body, `href="/patients/`+patient+`"`) {
				t.Errorf("the list's search for rossi does not link the new patient")
			}
			if l := c.Get(t, "/patients?q=RSSMRA45T10A562I&status=to_install&sort=last_name"); !strings.Contains(l.Body, `href="/patients/`+patient+`"`) {
				t.Errorf("the list filtered by status and searched by codice fiscale does not link the new patient")
			}
			contact := regexp.MustCompile(`action="/patients/` + patient + `/contacts/([^"/]+)"`).FindStringSubmatch(page.Body)
			if contact == nil {
				t.Fatal("no contact edit form on the patient page")
			}
			edit := "/patients/" + patient + "/contacts/" + contact[1]
			bad := c.Post(t, edit, url.Values{"csrf": {tok}, "alias": {"figlia"}, "phone": {"not a phone"}})
			if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="not a phone"`) {
				t.Errorf("bad contact edit = %d, want 422 with the input kept", bad.Status)
			}
			if p := c.Post(t, edit, url.Values{"csrf": {tok}, "alias": {"figlia Anna"}, "phone": {"+39 333 7654321"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("contact edit = %d", p.Status)
			}
			if page := c.Get(t, "/patients/"+patient); !strings.Contains(html.UnescapeString(page.Body), "figlia Anna") || !strings.Contains(html.UnescapeString(page.Body), "+39 333 7654321") {
				t.Error("the edited contact is not on the page")
			}
			if p := c.Post(t, edit, url.Values{"alias": {"senza token"}}); p.Status != http.StatusForbidden {
				t.Errorf("contact edit without the CSRF token = %d, want 403", p.Status)
			}
			hist := html.UnescapeString(c.Get(t, "/patients/"+patient+"/history").Body)
			for _, want := range []string{"Ha letto la scheda del paziente", "Ha letto l'installazione", "Ha modificato i contatti", "Ha visto l'elenco dei pazienti", demo.Doctor} {
				if !strings.Contains(hist, want) {
					t.Errorf("access history lacks %q", want)
				}
			}
		})
	}
}

// TestCodiceFiscaleDecodedBeforeSaving: the live decoding answers what
// the code says (sex, birth date, birthplace, age) in the user's
// language, or why it is wrong, per field; it needs the CSRF token.
func TestCodiceFiscaleDecodedBeforeSaving(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := webtest.New(t, s.URL)
	c.Lang = "en-GB"
	c.Login(t, demo.Doctor, "alice")
	tok := webtest.CSRF(c.Get(t, "/patients/new").Body)
	for _, tc := range []struct {
		cf, last, first string
		valid           bool
		want            map[string]string // JSON field → substring
	}{
		{marioCF, "Rossi", "Mario", true, map[string]string{"sex": "Male", "birth_date": "10 December 1945", "birth_place": "(", "age": "years"}},
		{"RSSMRA45T10A562X", "Rossi", "Mario", false, map[string]string{"codice_fiscale": "check character"}},
		{withCheck("RSSMRA45Z10A562"), "Rossi", "Mario", false, map[string]string{"codice_fiscale": "month"}},
		{withCheck("RSSMRA45T10Z999"), "Rossi", "Mario", false, map[string]string{"codice_fiscale": "birthplace"}},
		{marioCF, "Bianchi", "Mario", false, map[string]string{"last_name": "Does not match"}},
	} {
		p := c.Post(t, "/patients/decode", url.Values{"csrf": {tok}, "codice_fiscale": {tc.cf}, "last_name": {tc.last}, "first_name": {tc.first}})
		var got map[string]any
		if err := json.Unmarshal([]byte(p.Body), &got); err != nil || p.Status != http.StatusOK {
			t.Fatalf("decode %s = %d %s", tc.cf, p.Status, p.Body)
		}
		if got["valid"] != tc.valid {
			t.Errorf("decode %s/%s: valid = %v, want %v (%s)", tc.cf, tc.last, got["valid"], tc.valid, p.Body)
		}
		errs, _ := got["errors"].(map[string]any)
		for k, want := range tc.want {
			v, _ := got[k].(string)
			if e, ok := errs[k].(string); ok {
				v = e
			}
			if !strings.Contains(v, want) {
				t.Errorf("decode %s/%s: %s = %q, want %q", tc.cf, tc.last, k, v, want)
			}
		}
	}
	if p := c.Post(t, "/patients/decode", url.Values{"codice_fiscale": {marioCF}}); p.Status != http.StatusForbidden {
		t.Errorf("decode without the CSRF token = %d, want 403", p.Status)
	}
}

// TestDisabledAccountSessionEndsAtOnce: disabling the account (as the
// serenade user command does) ends its browser session on the next page.
func TestDisabledAccountSessionEndsAtOnce(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Doctor, "alice")
	if p := c.Get(t, "/patients"); p.Status != http.StatusOK {
		t.Fatalf("patients = %d", p.Status)
	}
	if err := s.App.Store().DisableAccount(context.Background(), demo.Doctor); err != nil {
		t.Fatal(err)
	}
	if p := c.Get(t, "/patients"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/login") {
		t.Errorf("patients after the account was disabled = %d %q, want 303 to /login", p.Status, p.Location())
	}
}

// withCheck completes 15 characters of a codice fiscale with their check
// character, so that a test's bad code is wrong only where it means to be.
func withCheck(code string) string {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i, r := range code {
		v := int(r - 'A')
		if r >= '0' && r <= '9' {
			v = int(r - '0')
		}
		if i%2 == 0 {
			sum += odd[v]
		} else {
			sum += v
		}
	}
	return code + string(rune('A'+sum%26))
}
