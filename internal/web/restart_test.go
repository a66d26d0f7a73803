package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// apiCursor is the next cursor of a one-entry page of an API list read
// by a demo account: a real cursor, foreign to every other caller.
func apiCursor(t *testing.T, s *apptest.Server, username, path string) string {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1"+path+"?limit=1", webtest.DemoToken(t, s, username), nil)
	var page struct {
		Next string `json:"next"`
	}
	res.JSON(t, &page)
	if res.Status != http.StatusOK || page.Next == "" {
		t.Fatalf("%s as %s: %d, next %q", path, username, res.Status, page.Next)
	}
	return page.Next
}

// TestListsRestartOnARefusedCursorOnBothBackends: every paged page,
// asked for with a cursor the API refuses (garbage, another caller's or
// another list's), goes back to its first page (filters kept) and says
// that the list was reloaded from the start, in the user's language;
// never an error page.
func TestListsRestartOnARefusedCursorOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			h := webtest.EnrolHome(t, s, 9)
			fromAdmin := apiCursor(t, s, demo.Admin, "/audit")
			fromDoctor := apiCursor(t, s, demo.Doctor, "/patients")
			pages := []struct {
				user, password, path string
				foreign              string
			}{
				{demo.Installer, "gennaro", "/field/installations?sort=status", fromAdmin},
				{demo.Monitoring, "vincenzo", "/field/tickets?state=all", fromAdmin},
				{demo.Researcher, "stefano", "/research/installations?status=working", fromAdmin},
				{demo.Doctor, "alice", "/patients/" + strconv.FormatInt(h.ID, 10) + "/history", fromAdmin},
				{demo.Doctor, "alice", "/patients?sort=status", fromAdmin},
				{demo.Admin, "anna", "/admin/audit?outcome=ok", fromDoctor},
			}
			for _, p := range pages {
				for _, lang := range []string{"it", "en"} {
					c := webtest.New(t, s.URL)
					c.Lang = lang
					c.Login(t, p.user, p.password)
					for _, cursor := range []string{"garbage", p.foreign} {
						sep := "?"
						if strings.Contains(p.path, "?") {
							sep = "&"
						}
						got := c.Get(t, p.path+sep+"cursor="+url.QueryEscape(cursor))
						wantPage(t, p.path+" with a refused cursor", got, http.StatusSeeOther)
						to, _ := url.Parse(got.Location())
						base, _ := url.Parse(p.path)
						if to.Path != base.Path || to.Query().Has("cursor") || to.Query().Get("restarted") != "1" {
							t.Fatalf("%s: restarts at %s", p.path, got.Location())
						}
						for k, v := range base.Query() {
							if to.Query().Get(k) != v[0] {
								t.Errorf("%s: the restart drops %s=%s", p.path, k, v[0])
							}
						}
						want := map[string]string{"it": "L'elenco è stato ricaricato dall'inizio", "en": "The list was reloaded from the start"}[lang]
						wantPage(t, p.path+" restarted", c.Get(t, got.Location()), http.StatusOK, strings.ReplaceAll(want, "'", "&#39;"))
					}
				}
			}
		})
	}
}
