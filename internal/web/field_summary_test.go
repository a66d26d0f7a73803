package web_test

import (
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

// errorSummary is the text of a page's error summary ("" without one).
func errorSummary(body string) string {
	m := regexp.MustCompile(`<p class="alert" role="alert" id="form-errors">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// fixErrors is the error summary's opening, in Italian.
const fixErrors = "Alcuni dati non vanno bene: correggi i campi segnalati. Nulla è stato salvato."

// TestMonitoringFormsRefusedShowTheErrorSummary: each of monitoring's
// forms the API refuses with a 422 (a ticket to open, the collection-date
// correction, the home context, a reply on a ticket) renders its page
// again with the error summary at the top, as the doctor's forms do,
// saying what no input shows (a category outside the enumeration) and
// the rest next to the inputs; a page that refused nothing has none.
func TestMonitoringFormsRefusedShowTheErrorSummary(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	h := webtest.EnrolHome(t, s, 8)
	webtest.StartCollecting(t, s, h)
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Monitoring, "vincenzo")
	home := "/field/installations/" + h.Monitoring
	page := c.Get(t, home)
	wantPage(t, "installation", page, http.StatusOK)
	if got := errorSummary(page.Body); got != "" {
		t.Errorf("the page before any refusal has an error summary %q", got)
	}
	for _, tc := range []struct {
		what, path string
		form       url.Values
		summary    string
		inline     []string // texts next to the inputs, and what was typed
	}{
		{"a ticket of no category", home + "/tickets", url.Values{"category": {"repair"}, "message": {"Il router lampeggia"}},
			fixErrors + " Scegli uno dei valori proposti.", []string{"Il router lampeggia"}},
		{"a collection correction without its end", home + "/collection-dates", url.Values{"collection_start": {"2001-01-02"}, "reason": {"Data letta dal gateway"}},
			fixErrors, []string{"Questa installazione ha questa data: indicala.", "Data letta dal gateway"}},
		{"a collection correction without a reason", home + "/collection-dates", url.Values{"collection_start": {"2001-01-02"}, "reason": {""}},
			fixErrors, []string{"Campo obbligatorio."}},
		{"a home context too long", home + "/context", url.Values{"apartment_type": {strings.Repeat("bilocale ", 1000)}},
			fixErrors, []string{"Troppo lungo: al massimo"}},
	} {
		got := postForm(t, c, page, tc.path, tc.form)
		wantPage(t, tc.what, got, http.StatusUnprocessableEntity, tc.inline...)
		if s := errorSummary(got.Body); s != tc.summary {
			t.Errorf("%s: error summary %q, want %q", tc.what, s, tc.summary)
		}
	}
	opened := postForm(t, c, page, home+"/tickets", url.Values{"category": {"uninstallation"}, "message": {"La famiglia chiede il ritiro."}})
	wantPage(t, "open a ticket", opened, http.StatusSeeOther)
	chat := c.Get(t, opened.Location())
	if got := errorSummary(chat.Body); got != "" {
		t.Errorf("the ticket before any refusal has an error summary %q", got)
	}
	empty := postForm(t, c, chat, opened.Location()+"/messages", url.Values{"body": {"  "}})
	wantPage(t, "an empty reply", empty, http.StatusUnprocessableEntity, "Scrivi un messaggio (al massimo 4.000 caratteri).")
	if got := errorSummary(empty.Body); got != fixErrors {
		t.Errorf("an empty reply: error summary %q, want %q", got, fixErrors)
	}
}
