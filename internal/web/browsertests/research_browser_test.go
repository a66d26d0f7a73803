package browsertests

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

var chartsLink = regexp.MustCompile(`href="(/research/installations/([^"/?]+)/charts)"`)
var installationLink = regexp.MustCompile(`href="/research/installations/([^"/?]+)"`)

// chartsPath finds the researcher's installation with streams (the one
// SeedYear filled), over HTTP.
func chartsPath(t *testing.T, s *apptest.Server) (detail, charts string) {
	t.Helper()
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Researcher, "stefano")
	for _, m := range installationLink.FindAllStringSubmatch(c.Get(t, "/research/installations").Body, -1) {
		if l := chartsLink.FindStringSubmatch(c.Get(t, "/research/installations/"+m[1]).Body); l != nil {
			return "/research/installations/" + m[1], l[1]
		}
	}
	t.Fatal("no installation with streams")
	return "", ""
}

// TestBrowserResearcherAndAdmin: the researcher opens the
// charts of an installation over the last year (a year of hourly
// readings, read downsampled), sees both streams drawn, zooms by
// dragging across a chart (the visible range is read again), and the
// CSV link of the visible range downloads exactly the readings of that
// range, as the summary table counts them. Every researcher page is
// screenshot at 1280 and 768 px in Italian and English and passes the
// axe-core check. Then the admin filters the audit log by the researcher
// and finds those page views (the API reads they made) and the refused
// admin page, checks the chain and opens the accounts list, in both
// languages, screenshot and checked too. One server and one year of
// readings serve every step; each step has a browser of its own.
func TestBrowserResearcherAndAdmin(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	year := webtest.SeedYear(t, s, time.Now())
	detail, charts := chartsPath(t, s)
	r := webtest.New(t, s.URL)
	r.Login(t, demo.Researcher, "stefano")
	for range 3 {
		if p := r.Get(t, charts+"?range=month"); p.Status != http.StatusOK {
			t.Fatalf("charts: %d", p.Status)
		}
	}
	r.Get(t, "/admin/audit") // refused: audited too
	t.Run("zoom and export", func(t *testing.T) { zoomAndExport(t, s, year, charts) })
	drawn := chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded]:not([aria-busy]) canvas`))
	visitRolePages(t, s, demo.Researcher, "stefano", []pageVisit{
		{name: "researcher-installations", path: "/research/installations"},
		{name: "researcher-installation", path: detail},
		{name: "researcher-charts", path: charts + "?range=year", ready: drawn},
		{name: "researcher-export", path: "/research/export"},
		{name: "researcher-export-error", path: "/research/export/download?from=2026-03-10&to=2026-03-01&format=csv",
			ready: chromedp.WaitVisible(chromedp.CSS(`#range-error`))},
	})
	t.Run("admin", func(t *testing.T) { adminPages(t, s) })
}

// zoomAndExport opens the charts over the last year, zooms by dragging
// and downloads the CSV of the visible range.
func zoomAndExport(t *testing.T, s *apptest.Server, year webtest.Year, charts string) {
	tb := newTab(t, s.URL)
	tb.login(t, demo.Researcher, "stefano")
	loaded := func(n string) step {
		return chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded="` + n + `"]:not([aria-busy])`))
	}
	tb.do(t, "open the year's charts", chromedp.Navigate(s.URL+charts+"?range=year"), loaded("1"))
	canvases := evalTab[int](t, tb, `document.querySelectorAll("#charts canvas").length`)
	if canvases != len(webtest.YearStreams) {
		t.Fatalf("%d charts drawn, want %d", canvases, len(webtest.YearStreams))
	}

	// Zoom: drag across the middle fifth of the first chart.
	box := evalTab[[]float64](t, tb, `(() => { const r = document.querySelector("#charts .u-over").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	x0, x1, y := box[0]+box[2]*0.4, box[0]+box[2]*0.6, box[1]+box[3]/2
	tb.do(t, "drag to zoom",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded]:not([data-loaded="1"]):not([aria-busy])`)))

	href := evalTab[string](t, tb, `document.querySelector('#summary tr[data-stream] a[data-csv]').href`)
	count := evalTab[string](t, tb, `document.querySelector('#summary tr[data-stream] [data-cell="count"]').textContent`)
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	from, err1 := time.Parse(time.RFC3339Nano, u.Query().Get("from"))
	to, err2 := time.Parse(time.RFC3339Nano, u.Query().Get("to"))
	if err1 != nil || err2 != nil || !from.Before(to) || to.Sub(from) > 120*24*time.Hour || to.Sub(from) < 24*time.Hour {
		t.Fatalf("the CSV link after zooming names [%s, %s), want a fifth of the year", u.Query().Get("from"), u.Query().Get("to"))
	}
	key := evalTab[string](t, tb, `document.querySelector('#summary tr[data-stream] th').textContent`)
	stream := -1
	for i, k := range webtest.YearStreams {
		if k == key {
			stream = i
		}
	}
	n, _, _, _ := year.Expect(stream, from, to)
	lang := language.Make(evalTab[string](t, tb, `document.documentElement.lang`))
	if want := message.NewPrinter(lang).Sprintf("%d", n); count != want {
		t.Errorf("the summary counts %s readings in the zoomed range, want %s", count, want)
	}
	body := evalTab[string](t, tb, `fetch(`+jsString(href)+`).then(r => r.ok ? r.text() : "status " + r.status)`)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines)-1 != n {
		t.Errorf("the CSV of the visible range has %d rows, want %d (%s)", len(lines)-1, n, lines[0])
	}
	col := indexOf(strings.Split(lines[0], ","), "time")
	for _, l := range lines[1:] {
		at, err := time.Parse(time.RFC3339Nano, strings.Split(l, ",")[col])
		if err != nil || at.Before(from) || !at.Before(to) {
			t.Fatalf("CSV row %q outside [%s, %s)", l, from, to)
		}
	}
}

// adminPages: the admin filters the audit log by the researcher and
// finds the researcher's page views (and the refused page), checks the
// chain, and opens the accounts list, in Italian and English.
func adminPages(t *testing.T, s *apptest.Server) {
	t.Run("filter", func(t *testing.T) { filterAudit(t, s) })
	visitRolePages(t, s, demo.Admin, "anna", []pageVisit{
		{name: "admin-audit", path: "/admin/audit", act: chromedp.Click(chromedp.CSS(`section.chain a.button`)),
			ready: chromedp.WaitVisible(chromedp.CSS(`section.chain .success`))},
		{name: "admin-accounts", path: "/admin/accounts", ready: chromedp.WaitVisible(chromedp.CSS(`main table`))},
	})
}

// pageVisit is a page to check and screenshot: its path, an action to
// take once it is shown in the language (act), and what to wait for
// before checking it (ready).
type pageVisit struct {
	name, path string
	act, ready step
}

// visitRolePages opens each page in Italian and English, each in a browser
// of its own logged in as username: it runs axe-core and saves the
// screenshots at 1280 and 768 px.
func visitRolePages(t *testing.T, s *apptest.Server, username, password string, pages []pageVisit) {
	for _, lang := range []string{"it", "en"} {
		for _, p := range pages {
			t.Run(p.name+" in "+lang, func(t *testing.T) {
				tb := newTab(t, s.URL)
				tb.login(t, username, password)
				tb.do(t, "open "+p.name, chromedp.Navigate(s.URL+p.path))
				tb.lang(t, lang)
				if p.act != nil {
					tb.do(t, "act on "+p.name, p.act)
				}
				if p.ready != nil {
					tb.do(t, p.name+" ready", p.ready)
				}
				tb.axe(t, p.name)
				tb.shoot(t, p.name, lang, p.ready)
			})
		}
	}
}

// filterAudit filters the audit log by the researcher and the stream
// read, and finds the refused page too.
func filterAudit(t *testing.T, s *apptest.Server) {
	tb := newTab(t, s.URL)
	tb.login(t, demo.Admin, "anna")
	tb.do(t, "filter the audit log",
		chromedp.Navigate(s.URL+"/admin/audit"),
		chromedp.SendKeys(chromedp.CSS("#actor"), demo.Researcher),
		chromedp.SetValue(chromedp.CSS("#action"), "stream.read"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#actor[value="`+demo.Researcher+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.audit`)))
	actors := evalTab[[]string](t, tb, `Array.from(document.querySelectorAll("table.audit tbody tr td:nth-child(3)")).map(td => td.firstChild.textContent.trim())`)
	routes := evalTab[[]string](t, tb, `Array.from(document.querySelectorAll("table.audit tbody tr td:nth-child(5)")).map(td => td.textContent.trim())`)
	reads := 0
	for i, a := range actors {
		if a != demo.Researcher {
			t.Errorf("entry by %q in the log filtered by %s", a, demo.Researcher)
		}
		if routes[i] == "GET /api/v1/installations/{installation}/readings" {
			reads++
		}
	}
	if reads < 3 {
		t.Errorf("%d stacked stream reads by the researcher in the log, want at least the 3 chart page views (%v)", reads, routes)
	}
	tb.axe(t, "audit log")
	tb.shoot(t, "admin-audit-filtered", "it", nil)
	tb.do(t, "the refused page",
		chromedp.Navigate(s.URL+"/admin/audit?outcome=denied&actor="+demo.Researcher),
		chromedp.WaitVisible(chromedp.CSS(`table.audit`)))
	denied := evalTab[string](t, tb, `document.querySelector("table.audit tbody").textContent`)
	if !strings.Contains(denied, "/admin/audit") {
		t.Errorf("the researcher's refused page is not in the log: %q", denied)
	}
}

func indexOf(ss []string, s string) int {
	for i, v := range ss {
		if v == s {
			return i
		}
	}
	return -1
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
