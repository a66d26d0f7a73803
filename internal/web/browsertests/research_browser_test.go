package browsertests

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"serenade/internal/consult"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
	"serenade/internal/testsupport/webtest"
)

var chartsLink = regexp.MustCompile(`href="(/research/installations/([^"/?]+)/charts)"`)
var installationLink = regexp.MustCompile(`href="/research/installations/([^"/?]+)"`)

// yearPages finds, over HTTP, the researcher's pages of the installation
// SeedYear filled: its detail page lists the year's streams.
func yearPages(t *testing.T, s *apptest.Server) (detail, charts string) {
	t.Helper()
	c := webtest.New(t, s.URL)
	a, _ := demo.AccountNamed(demo.Researcher)
	c.Login(t, a.Username, a.Password)
	for _, m := range installationLink.FindAllStringSubmatch(c.Get(t, "/research/installations").Body, -1) {
		body := c.Get(t, "/research/installations/"+m[1]).Body
		if l := chartsLink.FindStringSubmatch(body); l != nil && strings.Contains(body, "<td>"+webtest.YearStreams[0]+"</td>") {
			return "/research/installations/" + m[1], l[1]
		}
	}
	t.Fatal("no installation with the year's streams")
	return "", ""
}

// researcherCharts: the researcher opens the charts of the installation
// with a year of hourly readings over the last year (read downsampled)
// and sees both streams drawn, zooms by dragging across a chart (the
// visible range is read again), and the CSV link of the visible range
// downloads the stream's CSV: its header, and exactly the readings of
// that range, as the summary table counts them.
func researcherCharts(t *testing.T, w *world) {
	w.detail, w.charts = yearPages(t, w.s)
	tb := roleTab(t, w, demo.Researcher)
	loaded := func(n string) step {
		return chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded="` + n + `"]:not([aria-busy])`))
	}
	tb.do("open the year's charts", chromedp.Navigate(w.s.URL+w.charts+"?range=year"), loaded("1"))
	if n := eval[int](tb, `document.querySelectorAll("#charts canvas").length`); n != len(webtest.YearStreams) {
		t.Fatalf("%d charts drawn, want %d", n, len(webtest.YearStreams))
	}

	// Zoom: drag across the middle fifth of the first chart.
	box := eval[[]float64](tb, `(() => { const r = document.querySelector("#charts .u-over").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	x0, x1, y := box[0]+box[2]*0.4, box[0]+box[2]*0.6, box[1]+box[3]/2
	tb.do("drag to zoom",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded]:not([data-loaded="1"]):not([aria-busy])`)))

	href := eval[string](tb, `document.querySelector('#summary tr[data-stream] a[data-csv]').href`)
	count := eval[string](tb, `document.querySelector('#summary tr[data-stream] [data-cell="count"]').textContent`)
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	from, err1 := time.Parse(time.RFC3339Nano, u.Query().Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, u.Query().Get("to"))
	if err1 != nil || err2 != nil || !from.Before(to) || to.Sub(from) > 120*24*time.Hour || to.Sub(from) < 24*time.Hour {
		t.Fatalf("the CSV link after zooming names [%s, %s), want a fifth of the year", u.Query().Get("from"), u.Query().Get("to"))
	}
	stream := slices.Index(webtest.YearStreams, eval[string](tb, `document.querySelector('#summary tr[data-stream] th').textContent`))
	n, _, _, _ := w.year.Expect(stream, from, to)
	if n == 0 {
		t.Fatalf("the zoomed range [%s, %s) holds no reading of stream %d", from, to, stream)
	}
	// The count is written as the server writes numbers in the page's
	// language (1.234 / 1,234: grouped from the thousands on).
	lang := eval[string](tb, `document.documentElement.lang`)
	if want := message.NewPrinter(language.Make(lang)).Sprintf("%d", n); count != want {
		t.Errorf("the summary counts %q readings in the zoomed range, want %q (%s)", count, want, lang)
	}
	body := eval[string](tb, `fetch(`+jsString(href)+`).then(r => r.ok ? r.text() : "status " + r.status)`)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if header := strings.Join(consult.StreamColumns, ","); lines[0] != header {
		t.Fatalf("the CSV's header is %q, want %q", lines[0], header)
	}
	if len(lines)-1 != n {
		t.Errorf("the CSV of the visible range has %d rows, want %d", len(lines)-1, n)
	}
	for _, l := range lines[1:] {
		at, err := time.Parse(time.RFC3339Nano, strings.Split(l, ",")[slices.Index(consult.StreamColumns, "time")])
		if err != nil || at.Before(from) || !at.Before(to) {
			t.Fatalf("CSV row %q outside [%s, %s)", l, from, to)
		}
	}
}

// adminAudits: the admin filters the audit log by each role's account
// and an action its flow took, and finds those page views (as the API
// reads and writes they made); then the pages each was refused (the
// navigation check asked for them), and checks the chain.
func adminAudits(t *testing.T, w *world) {
	tb := roleTab(t, w, demo.Admin)
	for _, f := range []struct {
		actor, action, route string
	}{
		{demo.Doctor, "patient.create", "POST /api/v1/patients"},
		{demo.Doctor, "patient.access-history", "GET /api/v1/patients/{patient}/access-history"},
		{demo.Installer, "ticket.close", "/close"},
		{demo.Installer, "document.write", "/documents"},
		{demo.Monitoring, "ticket.open", "POST /api/v1/"},
		{demo.Monitoring, "device-health.read", "GET /api/v1/"},
		{demo.Researcher, "stream.read", "/readings"},
	} {
		tb.do("filter the audit log by "+f.actor+" and "+f.action,
			chromedp.Navigate(w.s.URL+"/admin/audit"),
			chromedp.SendKeys(chromedp.CSS("#actor"), f.actor),
			chromedp.SetValue(chromedp.CSS("#action"), f.action),
			browsertest.Navigates(chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`))),
			chromedp.WaitVisible(chromedp.CSS(`#actor[value="`+f.actor+`"]`)))
		rows := auditRows(tb)
		found := false
		for _, r := range rows {
			if r.actor != f.actor || r.action != f.action {
				t.Errorf("entry %+v in the log filtered by %s and %s", r, f.actor, f.action)
			}
			found = found || strings.Contains(r.route, f.route)
		}
		if !found {
			t.Errorf("no %s entry by %s on %s in the log: %+v", f.action, f.actor, f.route, rows)
		}
	}
	tb.axe("audit log filtered")
	tb.shoot("admin-audit-filtered", "it", nil)
	for _, a := range demo.Accounts {
		if a.Username == demo.Admin {
			continue
		}
		tb.do("the pages refused to "+a.Username,
			chromedp.Navigate(w.s.URL+"/admin/audit?outcome=denied&actor="+a.Username),
			chromedp.WaitVisible(chromedp.CSS(`table.audit`)))
		if denied := tb.text("table.audit tbody"); !strings.Contains(denied, "/admin/audit") {
			t.Errorf("the refused audit page of %s is not in the log: %q", a.Username, denied)
		}
	}
	tb.do("verify the chain", browsertest.Navigates(chromedp.Click(chromedp.CSS(`section.chain a.button`))),
		chromedp.WaitVisible(chromedp.CSS(`section.chain .success`)))
}

// auditRow is a row of the audit log page.
type auditRow struct{ actor, action, route string }

func auditRows(tb *tab) []auditRow {
	cells := eval[[][]string](tb, `Array.from(document.querySelectorAll("table.audit tbody tr")).map(tr =>
		[tr.cells[2].firstChild.textContent.trim(), tr.cells[3].textContent.trim(), tr.cells[4].textContent.trim()])`)
	rows := make([]auditRow, len(cells))
	for i, c := range cells {
		rows[i] = auditRow{c[0], c[1], c[2]}
	}
	return rows
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
