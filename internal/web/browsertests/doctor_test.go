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

// TestSessionExpiryMidFormKeepsTheInput: the session ends while the
// doctor types (deleted on the server); the submit leads to the login
// page, which says the input is kept; after logging in again the form
// comes back filled from the tab's sessionStorage (the input is kept
// client-side, in that tab only, and forgotten once the save succeeds).
func TestSessionExpiryMidFormKeepsTheInput(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	tb := newTab(t, s.URL)
	tb.login(demo.Doctor)
	tb.lang("en")
	tb.do("type into the enrolment form",
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
	tb.do("submit after the session ended",
		chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	)
	if page := tb.text("main"); !strings.Contains(page, "Your session expired") {
		t.Errorf("the login page does not explain the expiry:\n%s", page)
	}
	a, _ := demo.AccountNamed(demo.Doctor)
	tb.do("log in again",
		chromedp.SendKeys(chromedp.CSS("#username"), a.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), a.Password),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("#codice_fiscale")),
	)
	for sel, want := range map[string]string{"#last_name": "Verdi", "#first_name": "Giuseppe", "#medical_notes": "Long notes typed before the session ended."} {
		if got := eval[string](tb, `document.querySelector("`+sel+`").value`); got != want {
			t.Errorf("%s after logging in again = %q, want %q", sel, got, want)
		}
	}
}
