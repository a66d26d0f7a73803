package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/webtest"
)

// nextLink is a pager's link to the next page.
var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// listedBy is, per operation, the patients the audit entries of a demo
// account's requests after seq since listed, and the last seq.
func listedBy(t *testing.T, s *apptest.Server, admin, actor string, since int64) (map[string]int, int64) {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit?limit=1000&actor="+actor+"&since="+strconv.FormatInt(since, 10), admin, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	var page struct {
		Entries []struct {
			Seq       int64  `json:"seq"`
			Operation string `json:"operation"`
			Listed    int    `json:"patients_listed"`
		} `json:"entries"`
	}
	res.JSON(t, &page)
	listed, last := map[string]int{}, since
	for _, e := range page.Entries {
		listed[e.Operation] += e.Listed
		last = max(last, e.Seq)
	}
	return listed, last
}

// TestResearchListReadsOnlyItsPage, on both backends: with more patients
// enrolled than a page shows, each page of the researcher's installations
// reads (and audits) the screening data of its own patients and of no
// other: one list of installations, one of screening naming exactly the
// page's patients who have screening data, which the page shows (a
// withdrawn patient's installation is shown without).
func TestResearchListReadsOnlyItsPage(t *testing.T) {
	t.Parallel()
	const extra = 70 // with the demo's, more than a page (50) and a half
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			for i := range extra {
				if _, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Numbered(t, i)); err != nil {
					t.Fatal(err)
				}
			}
			doctor := s.Login(t, demo.Doctor, "alice")
			if res := s.Do(t, http.MethodDelete, "/api/v1/patients/1", doctor, nil); res.Status != http.StatusNoContent {
				t.Fatalf("withdraw: %d %s", res.Status, res.Body)
			}
			admin := webtest.DemoToken(t, s, demo.Admin)
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Researcher, "stefano")
			_, since := listedBy(t, s, admin, demo.Researcher, 0)
			path, rows, blanks := "/research/installations", 0, 0
			for pages := 0; path != ""; pages++ {
				if pages == 3 {
					t.Fatal("the list does not end")
				}
				page := c.Get(t, path)
				if page.Status != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, page.Status, page.Body)
				}
				var listed map[string]int
				listed, since = listedBy(t, s, admin, demo.Researcher, since)
				shown := len(installationLink.FindAllStringSubmatch(page.Body, -1))
				blank := strings.Count(page.Body, `<td class="muted">—</td><td class="muted">—</td>`)
				if shown == 0 || shown > 50 {
					t.Fatalf("%s shows %d installations", path, shown)
				}
				if listed["list-installations"] != shown || listed["list-screening"] != shown-blank || len(listed) != 2 {
					t.Errorf("%s shows %d installations (%d with screening data) but its reads listed %v", path, shown, shown-blank, listed)
				}
				rows, blanks = rows+shown, blanks+blank
				path = ""
				if m := nextLink.FindStringSubmatch(page.Body); m != nil {
					path = strings.ReplaceAll(m[1], "&amp;", "&")
				}
			}
			if rows < extra || blanks != 1 {
				t.Errorf("the pages showed %d installations, %d without screening data; want at least %d, and the withdrawn patient's without", rows, blanks, extra)
			}
		})
	}
}
