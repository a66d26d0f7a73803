package browsertests

import (
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"serenade/internal/access"
	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/webtest"
	"serenade/internal/web/i18n"
)

// world is one server with the demo data, on one backend, and what the
// roles' flows leave on it for the next role.
type world struct {
	s     *apptest.Server
	clock *storetest.Clock // the store's clock: moved to make the home silent
	year  webtest.Year     // a year of readings on another demo home
	nav   map[string]access.Action

	patient            string // the enrolled patient's page, /patients/{id}
	home               webtest.Home
	installTicket      string // the home's installation ticket (installer's reference)
	document           string // the map the installer uploaded (installer's reference)
	maintenance        string // the maintenance ticket of the silence (installer's reference)
	maintenanceMonitor string // the same, monitoring's reference
	detail, charts     string // the researcher's pages of the home with the year
	yearHome           string // the same home, monitoring's reference
}

// TestRolesInTheBrowser walks the study across the five roles on one
// server with the demo data, one browser per role in turn, on SQLite and
// on PostgreSQL: the doctor enrols a patient and the installation ticket
// appears in the installer's work queue; the installer replies, uploads
// a document and closes the ticket, and the collection dates appear;
// the home then goes silent and monitoring sees it and its maintenance
// ticket; the researcher opens a chart over a year, zooms and exports
// the CSV of the visible range; the admin filters the audit log by each
// of them and finds their page views; monitoring corrects the collection
// dates of the home with the year, refused first (the error summary), and
// the history lists the correction. Each role first checks, in Italian
// and English, that its navigation links exactly the pages the matrix
// allows it and that the others answer the friendly 403 page. On SQLite
// a tour then checks every main page per role (axe-core, page weight,
// screenshots with make screenshots).
func TestRolesInTheBrowser(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			w := startWorld(t, backend)
			flows := []struct {
				name string
				run  func(*testing.T, *world)
			}{
				{"doctor enrols and the ticket reaches the installer's queue", doctorEnrols},
				{"installer replies uploads and closes and the collection dates appear", installerInstalls},
				{"the home goes silent", goSilent},
				{"monitoring sees the silent home and its maintenance ticket", monitoringSees},
				{"researcher charts a year and exports the CSV", researcherCharts},
				{"admin finds every role's page views in the audit log", adminAudits},
				{"monitoring corrects the collection dates of a home, refused first", monitoringCorrects},
			}
			for _, f := range flows {
				if !t.Run(f.name, func(t *testing.T) { f.run(t, w) }) {
					return // the next role needs what this one left
				}
			}
			if backend == "sqlite" {
				t.Run("tour", func(t *testing.T) { tourAll(t, w) })
			}
		})
	}
}

// startWorld starts the server with the store's clock four hours behind
// the real one (so the home can be made silent by moving it, while the
// year of readings stays in the past) and a fast silence worker with a
// threshold of an hour, and seeds the year of readings.
func startWorld(t *testing.T, backend string) *world {
	clock := storetest.NewClock()
	clock.Advance(time.Now().Add(-4 * time.Hour).Sub(clock.Now()))
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) {
		c.StoreClock, c.Silence.Interval, c.Silence.Threshold = clock.Now, 20*time.Millisecond, time.Hour
	}})
	w := &world{s: s, clock: clock, year: webtest.SeedYear(t, s, time.Now())}
	w.nav = navLinks(t, s)
	return w
}

var navLinkRe = regexp.MustCompile(`<a href="([^"]+)" data-action="([^"]+)"`)

// navLinks is every page some demo account's navigation links, with the
// action the link says the page needs, read over HTTP.
func navLinks(t *testing.T, s *apptest.Server) map[string]access.Action {
	out := map[string]access.Action{}
	for _, a := range demo.Accounts {
		c := webtest.New(t, s.URL)
		c.Login(t, a.Username, a.Password)
		body := c.Get(t, "/account").Body
		nav := body[strings.Index(body, `<nav id="nav"`):]
		for _, m := range navLinkRe.FindAllStringSubmatch(nav[:strings.Index(nav, "</nav>")], -1) {
			out[m[1]] = access.Action(m[2])
		}
	}
	if len(out) < len(demo.Accounts) {
		t.Fatalf("the navigations link %d pages in all", len(out))
	}
	return out
}

// roleTab logs a demo account in, in a browser of its own, and checks
// its navigation and the 403 page in both languages (checkNav).
func roleTab(t *testing.T, w *world, username string) *tab {
	tb := newTab(t, w.s.URL)
	tb.login(username)
	acct, _ := demo.AccountNamed(username)
	for _, lang := range []string{"en", "it"} {
		checkNav(tb, w, acct, lang)
	}
	return tb
}

// locales are the UI's message files, read from the source tree.
var locales = func() *i18n.Bundle {
	b, err := i18n.Load(os.DirFS("../locales"))
	if err != nil {
		panic(err)
	}
	return b
}()

// checkNav: in lang, the navigation links exactly the pages of w.nav the
// matrix allows the account's roles, and every other page of w.nav is
// answered with the 403 page (status 403, its title in lang, the
// navigation still there to go on from).
func checkNav(tb *tab, w *world, acct demo.Account, lang string) {
	tb.t.Helper()
	tb.do("open the account page", chromedp.Navigate(w.s.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("#nav")))
	tb.lang(lang)
	shown := eval[[][]string](tb, `Array.from(document.querySelectorAll("#nav a")).map(a => [a.getAttribute("href"), a.dataset.action])`)
	var hrefs, want []string
	for _, l := range shown {
		hrefs = append(hrefs, l[0])
		if !access.Allows(acct.Roles, access.Action(l[1])) {
			tb.t.Errorf("%s (%s): the navigation links %s, whose action %s the matrix refuses", acct.Username, lang, l[0], l[1])
		}
	}
	for href, action := range w.nav {
		if access.Allows(acct.Roles, action) {
			want = append(want, href)
		}
	}
	slices.Sort(hrefs)
	slices.Sort(want)
	if !slices.Equal(hrefs, want) {
		tb.t.Errorf("%s (%s): the navigation links %v, the matrix allows %v", acct.Username, lang, hrefs, want)
	}
	title := locales.Locale(lang, time.UTC).T("error.403.title")
	for href, action := range w.nav {
		if access.Allows(acct.Roles, action) {
			continue
		}
		tb.do("open the forbidden "+href, chromedp.Navigate(w.s.URL+href), chromedp.WaitVisible(chromedp.CSS("main h1")))
		status := eval[int](tb, `performance.getEntriesByType("navigation")[0].responseStatus`)
		if h1 := tb.text("main h1"); status != http.StatusForbidden || h1 != title || tb.text("#nav") == "" {
			tb.t.Errorf("%s (%s): %s answered %d %q, want 403 %q with the navigation", acct.Username, lang, href, status, h1, title)
		}
	}
}

// Mario Rossi's codice fiscale, and the same with a typo in the last
// character.
const (
	marioCF = "RSSMRA45T10A562I"
	typoCF  = "RSSMRA45T10A562X"
)

// doctorEnrols: the doctor types a codice fiscale with a typo (the live
// decoding explains it before saving), submits anyway (the error comes
// back next to the field, the form filled), corrects it (sex, birth
// date, birthplace and age appear), enrols, finds the patient in the
// list, edits a contact in place and sees the page views in the
// patient's access history. The installation ticket the enrolment opened
// is then in the installer's work queue (installerInstalls).
func doctorEnrols(t *testing.T, w *world) {
	tb := roleTab(t, w, demo.Doctor)
	tb.do("open the enrolment form",
		chromedp.Navigate(w.s.URL+"/patients/new"),
		chromedp.WaitVisible(chromedp.CSS("#codice_fiscale")),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Rossi"),
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Mario"),
		chromedp.SendKeys(chromedp.CSS("#codice_fiscale"), typoCF))
	tb.waitFor("the live decoding explains the typo",
		`document.querySelector('[data-error-for="codice_fiscale"]').textContent.includes("carattere di controllo")`)
	tb.do("fill the rest and submit with the typo",
		chromedp.SendKeys(chromedp.CSS("#address"), "Via Roma 1, Milano"),
		chromedp.SendKeys(chromedp.CSS(`[name="contacts[0].alias"]`), "figlia"),
		chromedp.SendKeys(chromedp.CSS(`[name="contacts[0].phone"]`), "+39 333 1234567"),
		chromedp.SendKeys(chromedp.CSS(`[name="home_context.pets"]`), "un gatto"),
		chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#form-errors")))
	if got := tb.text("#codice_fiscale-error"); !strings.Contains(got, "carattere di controllo") {
		t.Errorf("after the failed submit the code's error is %q", got)
	}
	if got := eval[string](tb, `document.querySelector('[name="home_context.pets"]').value`); got != "un gatto" {
		t.Errorf("the failed submit lost the home context: %q", got)
	}
	tb.axe("enrolment form with errors")
	tb.shoot("doctor-enrol-errors", "it", nil)
	tb.clear("#codice_fiscale")
	tb.do("correct the code", chromedp.SendKeys(chromedp.CSS("#codice_fiscale"), marioCF))
	tb.waitFor("the decoded birth data appear", `document.querySelector('[data-decoded="birth_date"]').textContent.includes("1945")`)
	decoded := tb.text("#cf-decoded")
	for _, want := range []string{"Maschio", "10 dicembre 1945", "anni"} {
		if !strings.Contains(decoded, want) {
			t.Errorf("decoded box lacks %q:\n%s", want, decoded)
		}
	}
	tb.do("enrol", chromedp.Click(chromedp.CSS(`#enrol-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.success")))
	page := tb.text("main")
	for _, want := range []string{"Paziente arruolato", "Rossi Mario", marioCF, "figlia", "un gatto"} {
		if !strings.Contains(page, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	w.patient = eval[string](tb, `location.pathname`)
	w.home = webtest.HomeOf(t, w.s, strings.TrimPrefix(w.patient, "/patients/"))
	tb.do("the list shows the patient",
		chromedp.Navigate(w.s.URL+"/patients?q=rossi"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+w.patient+`"]`)))
	tb.do("edit the contact in place",
		chromedp.Navigate(w.s.URL+w.patient),
		chromedp.Click(chromedp.CSS(`ul.contacts details summary`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.contacts input[name="alias"]`)))
	tb.clear(`ul.contacts input[name="alias"]`)
	tb.do("save the contact",
		chromedp.SendKeys(chromedp.CSS(`ul.contacts input[name="alias"]`), "figlia Anna"),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`ul.contacts form.editform button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("p.success")))
	if page := tb.text("main"); !strings.Contains(page, "figlia Anna") || !strings.Contains(page, "Contatto salvato") {
		t.Errorf("the edited contact is not shown:\n%s", page)
	}
	tb.do("open the access history",
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`a[href="`+w.patient+`/history"]`))),
		chromedp.WaitVisible(chromedp.CSS("table")))
	hist := tb.text("main")
	for _, want := range []string{"Ha letto la scheda del paziente", "Ha modificato i contatti", demo.Doctor} {
		if !strings.Contains(hist, want) {
			t.Errorf("access history lacks %q", want)
		}
	}
}

// goSilent: the home's kit sends half an hour of readings after the
// installation and nothing more; the store's clock moves three hours on
// and the silence worker opens the maintenance ticket.
func goSilent(t *testing.T, w *world) {
	start := w.clock.Now() // the installation ticket was closed at this time
	w.clock.Advance(40 * time.Minute)
	webtest.SendReadings(t, w.s, w.home, []string{"kitchen.temperature", "tv.plug.power"}, start.Add(5*time.Minute), 30)
	w.clock.Advance(3 * time.Hour)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ids := webtest.Tickets(t, w.s, demo.Installer, w.home.Installer, domain.CategoryMaintenance); len(ids) == 1 {
			w.maintenance = ids[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no maintenance ticket after 60 s")
		}
	}
	w.maintenanceMonitor = webtest.Tickets(t, w.s, demo.Monitoring, w.home.Monitoring, domain.CategoryMaintenance)[0]
}
