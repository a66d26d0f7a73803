package browsertests

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"serenade/internal/demo"
	"serenade/internal/testsupport/browsertest"
)

// pageBudget is the most a main page may weigh: its HTML, style sheets
// and scripts, each gzip-compressed as a reverse proxy would serve them,
// in bytes (docs/ui.md, "Figures"). The charts page, with uPlot, is the
// heaviest.
const pageBudget = 48 << 10

// pageVisit is a page of a tour: its name, its path, an action to take
// once it is shown in the tour's language (act) and what to wait for
// before checking it (ready; by default its heading).
type pageVisit struct {
	name, path string
	act, ready step
}

// tourAll visits every main page of every role, in Italian and English,
// each role and language in a browser of its own, on the world the flows
// left: each page is in the language, shows no untranslated key, passes
// axe-core (no serious or critical violation), weighs at most pageBudget,
// and is screenshot when screenshots are asked for.
func tourAll(t *testing.T, w *world) {
	drawn := chromedp.WaitVisible(chromedp.CSS(`#charts[data-loaded]:not([aria-busy]) canvas`))
	// The collection-date form, folded by default, opened to be checked.
	collection := chromedp.Click(chromedp.CSS(`details#collection > summary`))
	collectionShown := chromedp.WaitVisible(chromedp.CSS(`details#collection[open] button`))
	tours := []struct {
		role, username string
		pages          []pageVisit
	}{
		{"doctor", demo.Doctor, []pageVisit{
			{name: "patients", path: "/patients?sort=last_name"},
			{name: "enrol", path: "/patients/new"},
			{name: "patient", path: w.patient},
			{name: "patient-collection", path: w.patient, act: collection, ready: collectionShown},
			{name: "withdraw", path: w.patient + "/withdraw"},
			{name: "history", path: w.patient + "/history"},
			{name: "account", path: "/account"},
			{name: "error-404", path: "/no/such/page"},
		}},
		{"installer", demo.Installer, []pageVisit{
			{name: "installations", path: "/field/installations"},
			{name: "installation", path: "/field/installations/" + w.home.Installer},
			{name: "tickets", path: "/field/tickets"},
			{name: "ticket", path: "/field/tickets/" + w.installTicket},
			{name: "ticket-close", path: "/field/tickets/" + w.maintenance + "/close"},
			{name: "document-delete", path: "/field/installations/" + w.home.Installer + "/documents/" + w.document + "/delete"},
		}},
		{"monitoring", demo.Monitoring, []pageVisit{
			{name: "installations", path: "/field/installations"},
			{name: "installation", path: "/field/installations/" + w.home.Monitoring},
			{name: "installation-collection", path: "/field/installations/" + w.home.Monitoring, act: collection, ready: collectionShown},
			{name: "tickets", path: "/field/tickets"},
			{name: "ticket", path: "/field/tickets/" + w.maintenanceMonitor},
			{name: "installation-corrections", path: "/field/installations/" + w.yearHome, ready: chromedp.WaitVisible(chromedp.CSS(`#status ul.plain li`))},
			{name: "installation-refused", path: "/field/installations/" + w.yearHome, act: refuseCollection(),
				ready: chromedp.WaitVisible(chromedp.CSS(`#form-errors`))},
		}},
		{"researcher", demo.Researcher, []pageVisit{
			{name: "installations", path: "/research/installations"},
			{name: "installation", path: w.detail},
			{name: "charts", path: w.charts + "?range=year", ready: drawn},
			{name: "charts-range-error", path: w.charts + "?range=custom&from=2026-03-10&to=2026-03-01",
				ready: chromedp.WaitVisible(chromedp.CSS(`#range-error`))},
			{name: "export", path: "/research/export"},
			{name: "export-error", path: "/research/export/download?from=2026-03-10&to=2026-03-01&format=csv",
				ready: chromedp.WaitVisible(chromedp.CSS(`#range-error`))},
		}},
		{"admin", demo.Admin, []pageVisit{
			{name: "audit", path: "/admin/audit", act: browsertest.Navigates(chromedp.Click(chromedp.CSS(`section.chain a.button`))),
				ready: chromedp.WaitVisible(chromedp.CSS(`section.chain .success`))},
			{name: "accounts", path: "/admin/accounts", ready: chromedp.WaitVisible(chromedp.CSS(`main table`))},
			{name: "audit-range-error", path: "/admin/audit?from=2026-03-10&to=2026-03-01", ready: chromedp.WaitVisible(chromedp.CSS(`#filter-error`))},
		}},
	}
	var heaviest struct {
		page  string
		bytes int
	}
	violations := 0
	for _, lang := range []string{"it", "en"} {
		t.Run("public-"+lang, func(t *testing.T) { violations += publicPages(t, w, lang) })
		for _, tr := range tours {
			t.Run(tr.role+"-"+lang, func(t *testing.T) {
				tb := newTab(t, w.s.URL)
				tb.login(tr.username)
				for i, p := range tr.pages {
					tb.do("open "+p.name, chromedp.Navigate(w.s.URL+p.path))
					if i == 0 {
						tb.lang(lang)
					}
					if p.act != nil {
						tb.do("act on "+p.name, p.act)
					}
					ready := p.ready
					if ready == nil {
						ready = chromedp.WaitVisible(chromedp.CSS("main h1"))
					}
					tb.do(p.name+" ready", ready)
					name := tr.role + "-" + p.name
					violations += checkPage(tb, name, lang)
					n := pageWeight(tb)
					if n > heaviest.bytes {
						heaviest.page, heaviest.bytes = name+" ("+lang+")", n
					}
					if n > pageBudget {
						t.Errorf("%s (%s) weighs %d bytes compressed, over the budget of %d", name, lang, n, pageBudget)
					}
					tb.shoot(name, lang, ready)
				}
			})
		}
	}
	t.Logf("heaviest page: %s, %d bytes of HTML, CSS and JS gzip-compressed (budget %d)", heaviest.page, heaviest.bytes, pageBudget)
	t.Logf("axe-core, WCAG 2.1 A and AA: %d violations of minor or moderate impact in all, none serious or critical", violations)
}

// publicPages checks the login page, logs the doctor in and out and
// checks the logged-out page; it returns axe-core's count of violations.
func publicPages(t *testing.T, w *world, lang string) int {
	tb := newTab(t, w.s.URL)
	tb.do("login page", chromedp.Navigate(w.s.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")))
	tb.lang(lang)
	n := checkPage(tb, "login", lang)
	tb.shoot("login", lang, nil)
	tb.login(demo.Doctor)
	tb.do("log out", browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`))), chromedp.WaitVisible(chromedp.CSS("main h1")))
	n += checkPage(tb, "logged-out", lang)
	tb.shoot("logged-out", lang, nil)
	return n
}

// checkPage checks that the page is in lang, shows no untranslated key
// and gives no id twice, and runs axe-core on it (the count of
// violations it returns).
func checkPage(tb *tab, name, lang string) int {
	tb.t.Helper()
	if got := eval[string](tb, `document.documentElement.lang`); got != lang {
		tb.t.Errorf("%s is in %q, want %q", name, got, lang)
	}
	if k := missingKey(tb.text("body")); k != "" {
		tb.t.Errorf("%s (%s) shows an untranslated key %s", name, lang, k)
	}
	// An id given twice sends a label, a link or aria-describedby to the
	// wrong element (axe no longer reports it).
	if dup := eval[[]string](tb, `(() => { const seen = new Set(), dup = [];
		for (const e of document.querySelectorAll("[id]")) { if (seen.has(e.id)) dup.push(e.id); seen.add(e.id); }
		return dup; })()`); len(dup) > 0 {
		tb.t.Errorf("%s (%s) gives these ids to several elements: %v", name, lang, dup)
	}
	return tb.axe(name + " (" + lang + ")")
}

// pageWeight is the weight of the page shown: its HTML (fetched again)
// and every style sheet and script it links, each gzip-compressed by the
// browser (CompressionStream), in bytes. What the page's scripts fetch
// afterwards (readings) is data, not weight.
func pageWeight(tb *tab) int {
	tb.t.Helper()
	return eval[int](tb, `(async () => {
		const assets = Array.from(document.querySelectorAll('link[rel="stylesheet"][href], script[src]')).map(e => e.href || e.src);
		const gz = async r => (await new Response(r.body.pipeThrough(new CompressionStream("gzip"))).arrayBuffer()).byteLength;
		let n = await gz(await fetch(location.href, {headers: {Accept: "text/html"}}));
		for (const u of assets) n += await gz(await fetch(u));
		return n;
	})()`)
}

// missingKey finds "[some.key]", what Locale.T shows for an unknown key.
func missingKey(s string) string {
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]") && strings.Count(f, ".") > 0 && strings.ToLower(f) == f {
			return f
		}
	}
	return ""
}
