package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// auditedReads is the operations and the number of patients listed of
// the audit entries a demo account's requests wrote after seq since.
func auditedReads(t *testing.T, s *apptest.Server, admin, actor string, since int64) (ops []string, listed int, last int64) {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit?limit=1000&actor="+actor+"&since="+strconv.FormatInt(since, 10), admin, nil)
	var page struct {
		Entries []struct {
			Seq       int64  `json:"seq"`
			Operation string `json:"operation"`
			Listed    int    `json:"patients_listed"`
		} `json:"entries"`
	}
	res.JSON(t, &page)
	if res.Status != http.StatusOK {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	last = since
	for _, e := range page.Entries {
		ops, listed, last = append(ops, e.Operation), listed+e.Listed, max(last, e.Seq)
	}
	return ops, listed, last
}

// TestTicketQueueReadsNoHomesOnBothBackends: the work queue, as
// monitoring and as the installer, reads no list of homes (its audit
// lists no more patients than the tickets it shows); narrowed to one home from that home's page,
// it reads that home alone and names it as "this home", with a way back
// to every home.
func TestTicketQueueReadsNoHomesOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			h := webtest.EnrolHome(t, s, 10)
			admin := webtest.DemoToken(t, s, demo.Admin)
			for _, who := range []struct{ user, password, ref, nick string }{
				{demo.Monitoring, "vincenzo", h.Monitoring, h.MonitoringNick},
				{demo.Installer, "gennaro", h.Installer, h.InstallerNick},
			} {
				c := webtest.New(t, s.URL)
				c.Login(t, who.user, who.password)
				_, _, since := auditedReads(t, s, admin, who.user, 0)
				queue := c.Get(t, "/field/tickets")
				wantPage(t, "queue", queue, http.StatusOK, who.nick)
				ops, listed, since := auditedReads(t, s, admin, who.user, since)
				if shown := strings.Count(queue.Body, `class="queue-item`); listed > shown || strings.Contains(strings.Join(ops, " "), "list-installations") {
					t.Errorf("%s: the queue's view listed %d patients for %d tickets shown (%v)", who.user, listed, shown, ops)
				}
				home := c.Get(t, "/field/installations/"+who.ref)
				link := `href="/field/tickets?state=all&amp;installation=` + who.ref + `"`
				wantPage(t, "home", home, http.StatusOK, link)
				_, _, since = auditedReads(t, s, admin, who.user, since)
				narrowed := c.Get(t, "/field/tickets?state=all&installation="+who.ref)
				wantPage(t, "narrowed queue", narrowed, http.StatusOK, "Solo questa casa: "+who.nick, "Mostra tutte le case",
					`name="installation" value="`+who.ref+`"`)
				ops, listed, _ = auditedReads(t, s, admin, who.user, since)
				if listed > 1 || strings.Join(ops, " ") != "get-installation ticket-queue" {
					t.Errorf("%s: the narrowed queue listed %d patients (%v), want one home read and its tickets", who.user, listed, ops)
				}
			}
		})
	}
}
