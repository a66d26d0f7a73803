package browsertests

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
)

// Mario Rossi's codice fiscale, and the same with a typo in the last
// character.
const (
	marioCF = "RSSMRA45T10A562I"
	typoCF  = "RSSMRA45T10A562X"
)

// TestDoctorEnrolsEditsAndReadsHistoryInTheBrowser: the doctor logs in,
// types a codice fiscale with a typo (the live decoding explains it
// before saving), submits anyway (the 422 comes back next to the field,
// the form filled), corrects it (sex, birth date, birthplace and age
// appear), enrols, finds the patient in the list, edits a contact in
// place and sees the page views in the access history.
func TestDoctorEnrolsEditsAndReadsHistoryInTheBrowser(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := browsertest.New(t)
	login(t, ctx, s.URL, demo.Doctor, "alice")
	setLanguage(t, ctx, "it")
	do(t, ctx, "open the enrolment form",
		chromedp.Navigate(s.URL+"/patients/new"),
		chromedp.WaitVisible(chromedp.CSS("#codice_fiscale")),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Rossi"),
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Mario"),
		chromedp.SendKeys(chromedp.CSS("#codice_fiscale"), typoCF),
	)
	waitFor(t, ctx, "the live decoding explains the typo",
		`document.querySelector('[data-error-for="codice_fiscale"]').textContent.includes("carattere di controllo")`)
	do(t, ctx, "fill the rest and submit with the typo",
		chromedp.SendKeys(chromedp.CSS("#address"), "Via Roma 1, Milano"),
		chromedp.SendKeys(chromedp.CSS(`[name="contacts[0].alias"]`), "figlia"),
		chromedp.SendKeys(chromedp.CSS(`[name="contacts[0].phone"]`), "+39 333 1234567"),
		chromedp.SendKeys(chromedp.CSS(`[name="home_context.pets"]`), "un gatto"),
		chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#form-errors")),
	)
	if got := eval[string](t, ctx, `document.getElementById("codice_fiscale-error").textContent`); !strings.Contains(got, "carattere di controllo") {
		t.Errorf("after the failed submit the code's error is %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('[name="home_context.pets"]').value`); got != "un gatto" {
		t.Errorf("the failed submit lost the home context: %q", got)
	}
	shoot(t, ctx, "doctor-enrol-errors", "it")
	checkAccessibility(t, ctx, "enrolment form with errors")
	clear(t, ctx, "#codice_fiscale")
	do(t, ctx, "correct the code", chromedp.SendKeys(chromedp.CSS("#codice_fiscale"), marioCF))
	waitFor(t, ctx, "the decoded birth data appear", `document.querySelector('[data-decoded="birth_date"]').textContent.includes("1945")`)
	decoded := eval[string](t, ctx, `document.getElementById("cf-decoded").innerText`)
	for _, want := range []string{"Maschio", "10 dicembre 1945", "anni"} {
		if !strings.Contains(decoded, want) {
			t.Errorf("decoded box lacks %q:\n%s", want, decoded)
		}
	}
	do(t, ctx, "enrol",
		chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.success")),
	)
	page := text(t, ctx)
	for _, want := range []string{"Paziente arruolato", "Rossi Mario", marioCF, "figlia", "un gatto"} {
		if !strings.Contains(page, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	patientURL := eval[string](t, ctx, `location.pathname`)
	do(t, ctx, "the list shows the patient",
		chromedp.Navigate(s.URL+"/patients?q=rossi"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+patientURL+`"]`)),
	)
	do(t, ctx, "edit the contact in place",
		chromedp.Navigate(s.URL+patientURL),
		chromedp.Click(chromedp.CSS(`ul.contacts details summary`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.contacts input[name="alias"]`)),
	)
	clear(t, ctx, `ul.contacts input[name="alias"]`)
	do(t, ctx, "save the contact",
		chromedp.SendKeys(chromedp.CSS(`ul.contacts input[name="alias"]`), "figlia Anna"),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`ul.contacts form.editform button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("p.success")),
	)
	if page := text(t, ctx); !strings.Contains(page, "figlia Anna") || !strings.Contains(page, "Contatto salvato") {
		t.Errorf("the edited contact is not shown:\n%s", page)
	}
	do(t, ctx, "open the access history",
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`a[href="`+patientURL+`/history"]`))),
		chromedp.WaitVisible(chromedp.CSS("table")),
	)
	hist := text(t, ctx)
	for _, want := range []string{"Ha letto la scheda del paziente", "Ha modificato i contatti", demo.Doctor} {
		if !strings.Contains(hist, want) {
			t.Errorf("access history lacks %q", want)
		}
	}
}

// TestSessionExpiryMidFormKeepsTheInput: the session ends while the
// doctor types (deleted on the server); the submit leads to the login
// page, which says the input is kept; after logging in again the form
// comes back filled from the tab's sessionStorage (the input is kept
// client-side, in that tab only, and forgotten once the save succeeds).
func TestSessionExpiryMidFormKeepsTheInput(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := browsertest.New(t)
	login(t, ctx, s.URL, demo.Doctor, "alice")
	setLanguage(t, ctx, "en")
	do(t, ctx, "type into the enrolment form",
		chromedp.Navigate(s.URL+"/patients/new"),
		chromedp.WaitVisible(chromedp.CSS("#codice_fiscale")),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Verdi"),
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Giuseppe"),
		chromedp.SendKeys(chromedp.CSS("#medical_notes"), "Long notes typed before the session ended."),
	)
	// Every session ends, as an idle expiry would end this one.
	if _, err := s.App.Store().DeleteExpiredWebSessions(context.Background(), time.Now().Add(time.Hour), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "submit after the session ended",
		chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	)
	if page := text(t, ctx); !strings.Contains(page, "Your session expired") {
		t.Errorf("the login page does not explain the expiry:\n%s", page)
	}
	do(t, ctx, "log in again",
		chromedp.SendKeys(chromedp.CSS("#username"), demo.Doctor),
		chromedp.SendKeys(chromedp.CSS("#password"), "alice"),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("#codice_fiscale")),
	)
	for sel, want := range map[string]string{"#last_name": "Verdi", "#first_name": "Giuseppe", "#medical_notes": "Long notes typed before the session ended."} {
		if got := eval[string](t, ctx, `document.querySelector("`+sel+`").value`); got != want {
			t.Errorf("%s after logging in again = %q, want %q", sel, got, want)
		}
	}
}
