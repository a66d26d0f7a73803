package browsertests

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/browsertest"
	"serenade/internal/testsupport/webtest"
)

// installerInstalls: the installation ticket of the enrolled home is in
// the installer's work queue; the installer replies on it, uploads a map
// of the home, provisions an ingest token (shown once, copied) and closes
// the ticket after the confirmation; the collection start date appears.
func installerInstalls(t *testing.T, w *world) {
	w.installTicket = webtest.Tickets(t, w.s, demo.Installer, w.home.Installer, domain.CategoryInstallation)[0]
	tb := roleTab(t, w, demo.Installer)
	tb.do("find the installation ticket in the queue and reply",
		chromedp.Navigate(w.s.URL+"/field/tickets?category=installation"),
		chromedp.Click(chromedp.CSS(`a[href="/field/tickets/`+w.installTicket+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#body")),
		chromedp.SendKeys(chromedp.CSS("#body"), "Passo giovedì alle 10, ho sentito la figlia."),
		browsertest.Navigates(chromedp.Click(chromedp.CSS("#reply button.primary"))),
		chromedp.WaitVisible(chromedp.CSS("li.bubble.mine")))
	if got := tb.text("li.bubble.mine .bubble-body"); got != "Passo giovedì alle 10, ho sentito la figlia." {
		t.Errorf("reply shown as %q", got)
	}
	file := filepath.Join(t.TempDir(), "pianta-casa.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.do("upload a map of the home",
		chromedp.Navigate(w.s.URL+"/field/installations/"+w.home.Installer),
		chromedp.SetValue(chromedp.CSS("#doctype"), "map"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("form[data-upload] button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`#documents a[download]`)))
	if got := tb.text("#documents tbody tr"); !strings.Contains(got, "pianta-casa.pdf") || !strings.Contains(got, "Pianta della casa") {
		t.Errorf("document row %q", got)
	}
	tb.do("provision a token", browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action$="/tokens"] button`))), chromedp.WaitVisible(chromedp.CSS("#newtoken")))
	if tok := tb.text("#newtoken"); !strings.HasPrefix(tok, "srn_") {
		t.Errorf("token shown %q", tok)
	}
	tb.do("copy it", chromedp.Click(chromedp.CSS("button.copy")))
	tb.axe("installer token shown once")
	if got := tb.text(`[data-test="collection-start"]`); got != "non ancora" {
		t.Errorf("collection start before the close: %q", got)
	}
	tb.do("close the ticket after the confirmation",
		chromedp.Navigate(w.s.URL+"/field/tickets/"+w.installTicket),
		chromedp.Click(chromedp.CSS(`a[href$="/close"]`)),
		chromedp.WaitVisible(chromedp.CSS("button.danger")),
		browsertest.Navigates(chromedp.Click(chromedp.CSS("button.danger"))),
		chromedp.WaitVisible(chromedp.CSS("p.success")))
	if got := tb.text(`[data-test="collection-start"]`); !strings.Contains(got, strconv.Itoa(w.clock.Now().Year())) {
		t.Errorf("collection start after the close: %q, want a date of %d", got, w.clock.Now().Year())
	}
	w.document = firstDocument(t, w)
}

// firstDocument is the installer's reference of the home's document.
func firstDocument(t *testing.T, w *world) string {
	var out struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	res := w.s.Do(t, http.MethodGet, "/api/v1/installations/"+w.home.Installer+"/documents", webtest.DemoToken(t, w.s, demo.Installer), nil)
	if res.JSON(t, &out); len(out.Documents) == 0 {
		t.Fatal("no document on the home")
	}
	return out.Documents[0].ID
}

// monitoringSees: the silent home is highlighted in the installations
// list and in its heatmap, its maintenance ticket is in the queue, a
// second maintenance ticket is refused in words; monitoring replies on
// the ticket and opens an uninstallation ticket with a first message.
func monitoringSees(t *testing.T, w *world) {
	tb := roleTab(t, w, demo.Monitoring)
	tb.do("the list", chromedp.Navigate(w.s.URL+"/field/installations"), chromedp.WaitVisible(chromedp.CSS("tr.row-alert")))
	silent := eval[[]string](tb, `Array.from(document.querySelectorAll("tr.row-alert th")).map(th => th.innerText)`)
	if !slices.Contains(silent, w.home.MonitoringNick) {
		t.Errorf("highlighted rows %q, want %q among them", silent, w.home.MonitoringNick)
	}
	home := "/field/installations/" + w.home.Monitoring
	tb.do("the heatmap", chromedp.Navigate(w.s.URL+home), chromedp.WaitVisible(chromedp.CSS("table.heatmap tr.row-alert")))
	tb.do("the maintenance ticket in the queue", chromedp.Navigate(w.s.URL+"/field/tickets?category=maintenance"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/field/tickets/`+w.maintenanceMonitor+`"]`)))
	tb.do("a second maintenance ticket is refused in words", chromedp.Navigate(w.s.URL+home),
		chromedp.SetValue(chromedp.CSS("#category"), "maintenance"), chromedp.SendKeys(chromedp.CSS("#message"), "Ancora silenziosa"),
		chromedp.Submit(chromedp.CSS("#message")), chromedp.WaitVisible(chromedp.CSS("p.alert")))
	if got := tb.text("p.alert"); !strings.Contains(got, "manutenzione si può aprire solo") {
		t.Errorf("refusal %q", got)
	}
	tb.do("reply on the maintenance ticket",
		chromedp.Navigate(w.s.URL+"/field/tickets/"+w.maintenanceMonitor),
		chromedp.SendKeys(chromedp.CSS("#body"), "Chiamo la famiglia per il router."),
		browsertest.Navigates(chromedp.Click(chromedp.CSS("#reply button.primary"))),
		chromedp.WaitVisible(chromedp.CSS("li.bubble.mine")))
	tb.do("open an uninstallation ticket with a first message", chromedp.Navigate(w.s.URL+home),
		chromedp.SetValue(chromedp.CSS("#category"), "uninstallation"), chromedp.Evaluate[chromedp.Void](`document.getElementById("message").value = ""`), chromedp.SendKeys(chromedp.CSS("#message"), "La famiglia chiede il ritiro."),
		chromedp.Submit(chromedp.CSS("#message")), chromedp.WaitVisible(chromedp.CSS("ol.chat")))
	if got := tb.text("ol.chat li .bubble-body"); got != "La famiglia chiede il ritiro." {
		t.Errorf("first message %q", got)
	}
}

// steps runs steps one after the other, as one step (a tour's act).
func steps(ss ...step) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, s := range ss {
			if _, err := s(ctx, tg); err != nil {
				return err
			}
		}
		return nil
	})
}

// refuseCollection opens an installation page's collection-date form,
// types a start before the enrolment date and a reason, and sends it: the
// API refuses it (422), the page comes back with the error summary.
func refuseCollection() step {
	return steps(
		chromedp.Click(chromedp.CSS(`details#collection > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#collection_start`)),
		chromedp.SetValue(chromedp.CSS(`#collection_start`), "2001-01-02"),
		chromedp.SetValue(chromedp.CSS(`#reason`), "Il gateway risulta acceso da prima."),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`details#collection button.primary`))))
}

// monitoringCorrects: on the home with a year of readings, monitoring's
// correction of the collection start before the enrolment date comes
// back with the error summary at the top and the reason next to the date;
// moved one day later (the gateway began sending the day after) it is
// saved, and the page's history lists it, with its reason, after the
// earlier corrections.
func monitoringCorrects(t *testing.T, w *world) {
	var list struct {
		Installations []struct {
			ID              string     `json:"id"`
			CollectionStart *time.Time `json:"collection_start"`
		} `json:"installations"`
	}
	w.s.Do(t, http.MethodGet, "/api/v1/installations?limit=1000", webtest.DemoToken(t, w.s, demo.Monitoring), nil).JSON(t, &list)
	for _, in := range list.Installations {
		if in.CollectionStart != nil && in.CollectionStart.Before(w.year.From.AddDate(0, 0, 1)) {
			w.yearHome = in.ID
		}
	}
	if w.yearHome == "" {
		t.Fatal("the home with a year of readings is not in monitoring's list")
	}
	tb := roleTab(t, w, demo.Monitoring)
	tb.do("open the home", chromedp.Navigate(w.s.URL+"/field/installations/"+w.yearHome), chromedp.WaitVisible(chromedp.CSS("main h1")))
	tb.do("a start before the enrolment is refused", refuseCollection(), chromedp.WaitVisible(chromedp.CSS("#form-errors")))
	if got := tb.text("#form-errors"); got != "Alcuni dati non vanno bene: correggi i campi segnalati. Nulla è stato salvato." {
		t.Errorf("error summary %q", got)
	}
	if got := tb.text("#collection_start-error"); !strings.Contains(got, "L'inizio non può precedere la data di arruolamento") {
		t.Errorf("the start's message %q", got)
	}
	before := eval[int](tb, `document.querySelectorAll("#status ul.plain li").length`)
	tb.do("move the start a day later, with the reason",
		chromedp.Navigate(w.s.URL+"/field/installations/"+w.yearHome),
		chromedp.Click(chromedp.CSS(`details#collection > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#collection_start`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const i = document.getElementById("collection_start"), d = new Date(i.value + "T00:00:00Z");
			d.setUTCDate(d.getUTCDate() + 1); i.value = d.toISOString().slice(0, 10); })()`),
		chromedp.SetValue(chromedp.CSS(`#reason`), "Il gateway ha iniziato a inviare il giorno dopo la chiusura del ticket."),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`details#collection button.primary`))),
		chromedp.WaitVisible(chromedp.CSS("p.success")))
	rows := eval[[]string](tb, `Array.from(document.querySelectorAll("#status ul.plain li")).map(li => li.innerText)`)
	if len(rows) != before+1 || !strings.Contains(rows[len(rows)-1], "Il gateway ha iniziato a inviare il giorno dopo la chiusura del ticket.") {
		t.Errorf("the correction history after monitoring's correction: %q (%d before)", rows, before)
	}
}
