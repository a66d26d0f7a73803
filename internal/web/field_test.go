package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/webtest"
)

// wantPage fails unless a page has the status and holds every text.
func wantPage(t *testing.T, what string, p webtest.Page, status int, texts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, p.Status, status, p.Body)
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s: no %q in the page", what, s)
		}
	}
}

// postForm posts a page's form with the page's CSRF token.
func postForm(t *testing.T, c *webtest.Client, from webtest.Page, path string, form url.Values) webtest.Page {
	t.Helper()
	form.Set("csrf", webtest.CSRF(from.Body))
	return c.Post(t, path, form)
}

// upload posts a document form (multipart) as a browser does.
func upload(t *testing.T, c *webtest.Client, from webtest.Page, path, typ, name string, content []byte) webtest.Page {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", webtest.CSRF(from.Body))
	_ = mw.WriteField("type", typ)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return webtest.Page{Status: res.StatusCode, Header: res.Header, Body: string(body)}
}

// dd is the text of a page's <dd data-test="name">.
func dd(body, name string) string {
	m := regexp.MustCompile(`data-test="` + name + `">(.*?)</dd>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestInstallerWorksAnInstallationTicketOnBothBackends: the installation
// ticket an enrolment opens is in the installer's queue; the installer
// replies (an empty reply comes back with the message next to the box),
// uploads a document, downloads and deletes it (after a confirmation
// page), edits the home context (a refused value comes back typed),
// provisions a token shown once, closes the ticket after a confirmation
// page, and the collection start date appears.
func TestInstallerWorksAnInstallationTicketOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			h := webtest.EnrolHome(t, s, 7)
			ticket := webtest.Tickets(t, s, demo.Installer, h.Installer, domain.CategoryInstallation)[0]
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Installer, "gennaro")
			home := "/field/installations/" + h.Installer

			queue := c.Get(t, "/field/tickets?category=installation")
			wantPage(t, "queue", queue, http.StatusOK, h.InstallerNick, `href="/field/tickets/`+ticket+`"`, "Installazione")
			chat := c.Get(t, "/field/tickets/"+ticket)
			wantPage(t, "ticket", chat, http.StatusOK, h.InstallerNick, "serenade", "Chiudi il ticket")
			empty := postForm(t, c, chat, "/field/tickets/"+ticket+"/messages", url.Values{"body": {"   "}})
			wantPage(t, "empty reply", empty, http.StatusUnprocessableEntity, "Scrivi un messaggio", `aria-invalid="true"`)
			wantPage(t, "reply", postForm(t, c, chat, "/field/tickets/"+ticket+"/messages", url.Values{"body": {"Passo giovedì alle 10."}}), http.StatusSeeOther)
			wantPage(t, "thread", c.Get(t, "/field/tickets/"+ticket), http.StatusOK, "Passo giovedì alle 10.", `class="bubble mine"`)

			page := c.Get(t, home)
			wantPage(t, "installation", page, http.StatusOK, h.InstallerNick, "Da installare", "figlia Giulia", "Carica")
			pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
			up := upload(t, c, page, home+"/documents", "map", "pianta.pdf", pdf)
			wantPage(t, "upload", up, http.StatusSeeOther)
			page = c.Get(t, up.Location())
			wantPage(t, "after upload", page, http.StatusOK, "pianta.pdf", "Pianta della casa", "Il documento è caricato")
			doc := regexp.MustCompile(regexp.QuoteMeta(home) + `/documents/([^"/]+)"`).FindStringSubmatch(page.Body)
			if doc == nil {
				t.Fatal("no download link")
			}
			if got := c.Get(t, home+"/documents/"+doc[1]); got.Status != http.StatusOK || got.Body != string(pdf) {
				t.Errorf("download: %d, %d bytes", got.Status, len(got.Body))
			}
			confirm := c.Get(t, home+"/documents/"+doc[1]+"/delete")
			wantPage(t, "delete confirmation", confirm, http.StatusOK, "pianta.pdf", "Non si può annullare")
			wantPage(t, "delete", postForm(t, c, confirm, home+"/documents/"+doc[1]+"/delete", url.Values{}), http.StatusSeeOther)
			wantPage(t, "after delete", c.Get(t, home), http.StatusOK, "Nessun documento")

			long := strings.Repeat("gatto ", 2000)
			refused := postForm(t, c, page, home+"/context", url.Values{"pets": {long}, "apartment_type": {"Villetta"}})
			wantPage(t, "refused context", refused, http.StatusUnprocessableEntity, "Villetta", `aria-invalid="true"`)
			saved := postForm(t, c, page, home+"/context", url.Values{"pets": {"Due gatti"}})
			wantPage(t, "context", saved, http.StatusSeeOther)
			wantPage(t, "after context", c.Get(t, saved.Location()), http.StatusOK, "Due gatti", "Il contesto domestico è salvato")

			token := postForm(t, c, page, home+"/tokens", url.Values{})
			shown := regexp.MustCompile(`<code id="newtoken">(srn_[^<]+)</code>`).FindStringSubmatch(token.Body)
			if token.Status != http.StatusOK || shown == nil {
				t.Fatalf("provision: %d, token shown: %v", token.Status, shown != nil)
			}
			if again := c.Get(t, home); strings.Contains(again.Body, shown[1]) {
				t.Error("the token is shown a second time")
			}

			if start := dd(page.Body, "collection-start"); !strings.Contains(start, "non ancora") {
				t.Errorf("collection start before the close: %q", start)
			}
			closing := c.Get(t, "/field/tickets/"+ticket+"/close")
			wantPage(t, "close confirmation", closing, http.StatusOK, "avvia oggi i 12 mesi", "Sì, chiudi il ticket")
			before := time.Now()
			closed := postForm(t, c, closing, "/field/tickets/"+ticket+"/close", url.Values{})
			wantPage(t, "close", closed, http.StatusSeeOther)
			after := c.Get(t, closed.Location())
			wantPage(t, "after close", after, http.StatusOK, "Il ticket è chiuso", "Attiva")
			// A date of the close's year. At the turn of the year the
			// close may straddle midnight, and Rome (the zone dates are
			// shown in) is already in the next year an hour before UTC.
			rome, err := time.LoadLocation("Europe/Rome")
			if err != nil {
				rome = time.UTC
			}
			start, closedAt := dd(after.Body, "collection-start"), time.Now()
			if !slices.ContainsFunc([]time.Time{before.UTC(), before.In(rome), closedAt.UTC(), closedAt.In(rome)}, func(at time.Time) bool {
				return strings.Contains(start, at.Format("2006"))
			}) {
				t.Errorf("collection start after the close: %q, want a date of %d", start, closedAt.Year())
			}
		})
	}
}

// TestMonitoringSeesASilentHomeOnBothBackends: a collecting home whose
// kit sent readings through the ingest API, then nothing for longer
// than the silence threshold, is highlighted in monitoring's list and
// its heatmap, its maintenance ticket is in the queue; a second
// maintenance ticket is refused in words, an uninstallation ticket
// opens with its first message, monitoring replies, and may not close.
func TestMonitoringSeesASilentHomeOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) {
				c.StoreClock, c.Silence.Interval, c.Silence.Threshold = clock.Now, 20*time.Millisecond, time.Hour
			}})
			h := webtest.EnrolHome(t, s, 8)
			webtest.StartCollecting(t, s, h)
			start := clock.Now()
			clock.Advance(40 * time.Minute)
			webtest.SendReadings(t, s, h, []string{"kitchen.temperature"}, start.Add(5*time.Minute), 30)
			clock.Advance(3 * time.Hour)
			waitFor(t, "the silence worker's maintenance ticket", func() bool {
				return len(webtest.Tickets(t, s, demo.Monitoring, h.Monitoring, domain.CategoryMaintenance)) == 1
			})
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Monitoring, "vincenzo")
			list := c.Get(t, "/field/installations")
			row := regexp.MustCompile(`<tr class="row-alert">\s*<th scope="row"><a href="/field/installations/` + regexp.QuoteMeta(h.Monitoring) + `">`)
			wantPage(t, "list", list, http.StatusOK, h.MonitoringNick, "Silenziosa")
			if !row.MatchString(list.Body) {
				t.Error("the silent home's row is not highlighted")
			}
			home := "/field/installations/" + h.Monitoring
			page := c.Get(t, home)
			wantPage(t, "installation", page, http.StatusOK, "kitchen.temperature", "silenzioso", "Legenda", "In manutenzione")
			wantPage(t, "queue", c.Get(t, "/field/tickets?category=maintenance"), http.StatusOK, h.MonitoringNick, "Manutenzione")

			again := postForm(t, c, page, home+"/tickets", url.Values{"category": {"maintenance"}, "message": {"Ancora silenziosa"}})
			wantPage(t, "second maintenance", again, http.StatusConflict, "Un ticket di manutenzione si può aprire solo", "Ancora silenziosa")
			opened := postForm(t, c, page, home+"/tickets", url.Values{"category": {"uninstallation"}, "message": {"La famiglia chiede il ritiro del kit."}})
			wantPage(t, "open", opened, http.StatusSeeOther)
			chat := c.Get(t, opened.Location())
			wantPage(t, "new ticket", chat, http.StatusOK, "La famiglia chiede il ritiro del kit.", "Ticket di disinstallazione · "+h.MonitoringNick)
			if strings.Contains(chat.Body, "/close") {
				t.Error("monitoring is offered to close a ticket")
			}
			wantPage(t, "reply", postForm(t, c, chat, opened.Location()+"/messages", url.Values{"body": {"Avvisato il tecnico."}}), http.StatusSeeOther)
			wantPage(t, "thread", c.Get(t, opened.Location()), http.StatusOK, "Avvisato il tecnico.")
			wantPage(t, "close refused", c.Get(t, opened.Location()+"/close"), http.StatusForbidden)
		})
	}
}

// waitFor polls cond every 10 ms until it holds, failing after 60 s (a
// bound for a stuck server, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
