package web_test

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

var (
	installationLink = regexp.MustCompile(`href="/research/installations/([^"/?]+)"`)
	chartsLink       = regexp.MustCompile(`href="(/research/installations/[^"/?]+/charts)"`)
	csvLink          = regexp.MustCompile(`href="(/research/streams/[^"]+)" data-csv="([^"]+)"`)
	summaryRow       = regexp.MustCompile(`(?s)<tr data-stream="[^"]+">\s*<th scope="row">([^<]+)</th>.*?data-cell="count">([^<]+)<.*?data-cell="min">([^<]+)<.*?data-cell="max">([^<]+)<.*?data-cell="avg">([^<]+)<`)
)

// chartsOf finds, among the researcher's installations, the one with
// streams (the one SeedYear filled) and returns its charts page path.
func chartsOf(t *testing.T, c *webtest.Client) string {
	t.Helper()
	list := c.Get(t, "/research/installations")
	if list.Status != http.StatusOK {
		t.Fatalf("installations: %d\n%s", list.Status, list.Body)
	}
	for _, m := range installationLink.FindAllStringSubmatch(list.Body, -1) {
		p := c.Get(t, "/research/installations/"+m[1])
		if p.Status != http.StatusOK {
			t.Fatalf("installation %s: %d", m[1], p.Status)
		}
		if l := chartsLink.FindStringSubmatch(p.Body); l != nil {
			return l[1]
		}
	}
	t.Fatal("no installation with streams in the researcher's list")
	return ""
}

// TestResearcherPagesOnBothBackends: with a year of hourly readings sent
// through the ingest API, the researcher's charts page over a custom
// range shows, per stream, exactly the count, minimum, maximum and
// average of the readings of those days (Italian number format); the
// CSV link of the range downloads exactly those rows; the cohort export
// of the same days holds both streams' rows (gzip CSV) or is a Parquet
// file; an inverted range comes back to the form with the error next to
// the dates.
func TestResearcherPagesOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			year := webtest.SeedYear(t, s, time.Now())
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Researcher, "stefano")
			charts := chartsOf(t, c)

			rome, _ := time.LoadLocation("Europe/Rome")
			day0 := year.From.In(rome).AddDate(0, 0, 40)
			fromDay, toDay := day0.Format(time.DateOnly), day0.AddDate(0, 0, 44).Format(time.DateOnly)
			from, _ := time.ParseInLocation(time.DateOnly, fromDay, rome)
			to, _ := time.ParseInLocation(time.DateOnly, toDay, rome)
			to = to.AddDate(0, 0, 1) // the end day is included
			page := c.Get(t, charts+"?range=custom&from="+fromDay+"&to="+toDay)
			if page.Status != http.StatusOK {
				t.Fatalf("charts: %d\n%s", page.Status, page.Body)
			}
			// A custom range the page cannot take is said next to its
			// inputs, as typed, never replaced by another range; the
			// streams are not read, and the page does not say there are
			// none.
			for _, bad := range []string{"from=" + toDay + "&to=" + fromDay, "from=abc&to=def", "from=1900-01-01&to=" + toDay} {
				refused := c.Get(t, charts+"?range=custom&"+bad)
				from, to, _ := strings.Cut(bad, "&")
				if refused.Status != http.StatusUnprocessableEntity || !strings.Contains(refused.Body, `id="range-error"`) ||
					!strings.Contains(refused.Body, `value="`+strings.TrimPrefix(from, "from=")+`"`) || !strings.Contains(refused.Body, `value="`+strings.TrimPrefix(to, "to=")+`"`) {
					t.Errorf("charts of the range %s: %d, want 422 with the range kept and its error", bad, refused.Status)
				}
				if strings.Contains(refused.Body, "Ancora nessun flusso di sensori.") {
					t.Errorf("charts of the range %s: the refused range says the home has no stream", bad)
				}
			}
			it := message.NewPrinter(language.Italian)
			rows := summaryRow.FindAllStringSubmatch(page.Body, -1)
			if len(rows) != len(webtest.YearStreams) {
				t.Fatalf("%d summary rows, want %d", len(rows), len(webtest.YearStreams))
			}
			for _, row := range rows {
				i := indexOf(webtest.YearStreams, row[1])
				n, lo, hi, avg := year.Expect(i, from, to)
				want := []string{it.Sprintf("%d", n), it.Sprintf("%.2f", lo), it.Sprintf("%.2f", hi), it.Sprintf("%.2f", avg)}
				if got := row[2:]; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("summary of %s = %v, want %v", row[1], got, want)
				}
			}

			links := csvLink.FindAllStringSubmatch(page.Body, -1)
			if len(links) != len(webtest.YearStreams) {
				t.Fatalf("%d CSV links, want %d", len(links), len(webtest.YearStreams))
			}
			dl := c.Get(t, strings.ReplaceAll(links[0][1], "&amp;", "&"))
			if dl.Status != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Type"), "text/csv") || !strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("CSV: %d %v", dl.Status, dl.Header)
			}
			recs := readCSV(t, strings.NewReader(dl.Body))
			wantN, _, _, _ := year.Expect(0, from, to)
			if len(recs)-1 != wantN {
				t.Errorf("the CSV of the range has %d rows, want %d", len(recs)-1, wantN)
			}
			checkTimes(t, recs, from, to)

			exp := c.Get(t, "/research/export/download?from="+fromDay+"&to="+toDay+"&format=csv")
			if exp.Status != http.StatusOK {
				t.Fatalf("cohort export: %d\n%s", exp.Status, exp.Body)
			}
			zr, err := gzip.NewReader(strings.NewReader(exp.Body))
			if err != nil {
				t.Fatal(err)
			}
			all := readCSV(t, zr)
			if len(all)-1 != 2*wantN {
				t.Errorf("the cohort export has %d rows, want %d", len(all)-1, 2*wantN)
			}
			checkTimes(t, all, from, to)
			pq := c.Get(t, "/research/export/download?from="+fromDay+"&to="+toDay+"&format=parquet")
			if pq.Status != http.StatusOK || !strings.HasPrefix(pq.Body, "PAR1") || !strings.HasSuffix(pq.Body, "PAR1") {
				t.Errorf("parquet export: %d, %d bytes", pq.Status, len(pq.Body))
			}
			bad := c.Get(t, "/research/export/download?from="+toDay+"&to="+fromDay+"&format=parquet")
			if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `aria-invalid="true"`) || !strings.Contains(bad.Body, `value="`+toDay+`"`) ||
				!strings.Contains(bad.Body, `value="parquet" checked`) {
				t.Errorf("an inverted export range = %d, want 422 with the form filled and the error next to the dates", bad.Status)
			}
		})
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

func readCSV(t *testing.T, r io.Reader) [][]string {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("empty CSV")
	}
	return recs
}

// checkTimes: every row's time column is in [from, to).
func checkTimes(t *testing.T, recs [][]string, from, to time.Time) {
	t.Helper()
	col := indexOf(recs[0], "time")
	if col < 0 {
		t.Fatalf("no time column in %v", recs[0])
	}
	for _, r := range recs[1:] {
		at, err := time.Parse(time.RFC3339Nano, r[col])
		if err != nil || at.Before(from) || !at.Before(to) {
			t.Fatalf("row time %q outside [%s, %s)", r[col], from, to)
		}
	}
}

// TestRolePagesNeitherLinkedNorServed, in both languages: the
// researcher's navigation links its pages and no admin page, and an
// admin page is refused with the 403 page (and audited); the admin's
// navigation has the audit log and accounts and no research page, which
// it is refused. The admin then filters the audit log by the
// researcher and sees the page views (the API reads they made), the
// refused page, and a verified chain; the accounts list names every
// demo account.
func TestRolePagesNeitherLinkedNorServed(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			for _, lang := range []struct{ code, forbidden, nav string }{{"it", "non consentito", "Registro di audit"}, {"en", "Not allowed", "Audit log"}} {
				r := webtest.New(t, s.URL)
				r.Lang = lang.code
				r.Login(t, demo.Researcher, "stefano")
				home := r.Get(t, "/research/installations")
				for _, want := range []string{`href="/research/installations"`, `href="/research/export"`} {
					if !strings.Contains(home.Body, want) {
						t.Errorf("%s: the researcher's navigation lacks %s", lang.code, want)
					}
				}
				for _, path := range []string{"/admin/audit", "/admin/accounts"} {
					if strings.Contains(home.Body, `href="`+path) {
						t.Errorf("%s: the researcher's page links %s", lang.code, path)
					}
					if p := r.Get(t, path); p.Status != http.StatusForbidden || !strings.Contains(p.Body, lang.forbidden) {
						t.Errorf("%s: researcher GET %s = %d, want the 403 page", lang.code, path, p.Status)
					}
				}
				a := webtest.New(t, s.URL)
				a.Lang = lang.code
				a.Login(t, demo.Admin, "anna")
				audit := a.Get(t, "/admin/audit")
				if audit.Status != http.StatusOK || !strings.Contains(audit.Body, lang.nav) || !strings.Contains(audit.Body, `href="/admin/accounts"`) {
					t.Fatalf("%s: admin audit page %d", lang.code, audit.Status)
				}
				for _, path := range []string{"/research/installations", "/research/export", "/research/export/download?from=2026-01-01&to=2026-01-02"} {
					if strings.Contains(audit.Body, `href="`+path+`"`) {
						t.Errorf("%s: the admin's page links %s", lang.code, path)
					}
					if p := a.Get(t, path); p.Status != http.StatusForbidden || !strings.Contains(p.Body, lang.forbidden) {
						t.Errorf("%s: admin GET %s = %d, want the 403 page", lang.code, path, p.Status)
					}
				}
				filtered := a.Get(t, "/admin/audit?actor="+demo.Researcher+"&action=screening.read")
				if n := strings.Count(filtered.Body, "/api/v1/screening"); n == 0 {
					t.Errorf("%s: the audit log filtered by the researcher shows no screening read of the installations page", lang.code)
				}
				if strings.Contains(filtered.Body, "<td>"+demo.Admin) {
					t.Errorf("%s: the filter by actor shows the admin's own entries", lang.code)
				}
				refused := a.Get(t, "/admin/audit?actor="+demo.Researcher+"&outcome=denied")
				if !strings.Contains(refused.Body, "web GET /admin/audit") && !strings.Contains(refused.Body, "/admin/audit</span>") {
					t.Errorf("%s: the researcher's refused page is not in the audit log", lang.code)
				}
				// An end before the start is said, with the dates kept; the
				// trail is not read, and the page does not say that no entry
				// matches.
				backwards := a.Get(t, "/admin/audit?from=2026-03-10&to=2026-03-01")
				if backwards.Status != http.StatusUnprocessableEntity || !strings.Contains(backwards.Body, `value="2026-03-10"`) ||
					!strings.Contains(backwards.Body, map[string]string{"it": "La data di fine è precedente", "en": "The end date is before"}[lang.code]) {
					t.Errorf("%s: the audit log from 2026-03-10 to 2026-03-01: %d, want 422 saying the end is before the start", lang.code, backwards.Status)
				}
				if strings.Contains(backwards.Body, map[string]string{"it": "Nessuna voce corrisponde", "en": "No entry matches"}[lang.code]) {
					t.Errorf("%s: the audit log's refused range says that no entry matches", lang.code)
				}
				verified := a.Get(t, "/admin/audit?verify=1")
				if !strings.Contains(verified.Body, `class="success"`) {
					t.Errorf("%s: the chain is not shown intact", lang.code)
				}
				accounts := a.Get(t, "/admin/accounts")
				for _, acc := range demo.Accounts {
					if !strings.Contains(accounts.Body, ">"+acc.Username+"<") {
						t.Errorf("%s: the accounts page lacks %s", lang.code, acc.Username)
					}
				}
			}
		})
	}
}
