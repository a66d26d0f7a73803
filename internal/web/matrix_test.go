package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
	"serenade/internal/web"
)

// TestEveryPageFollowsTheMatrixInBothLanguages walks every route of the
// UI as every role, in Italian and English: a page the role's actions
// do not allow is not linked from its navigation and answers the 403
// page (a post too, even with the session's CSRF token); an allowed GET
// page without parameters answers 200.
func TestEveryPageFollowsTheMatrixInBothLanguages(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	routes := routesOf(t)
	for _, acct := range demo.Accounts {
		for _, lang := range []string{"it-IT", "en-GB"} {
			c := webtest.New(t, s.URL)
			c.Lang = lang
			c.Login(t, acct.Username, acct.Password)
			home := c.Get(t, "/account")
			tok := webtest.CSRF(home.Body)
			for _, rt := range routes {
				if rt.Public {
					continue
				}
				path := strings.NewReplacer("{id}", "1", "{contact}", "1", "{$}", "").Replace(rt.Pattern)
				allowed := access.Allows(acct.Roles, rt.Action)
				linked := strings.Contains(home.Body, `href="`+rt.Pattern+`"`)
				if rt.Method == http.MethodGet && rt.Nav != "" && linked != allowed {
					t.Errorf("%s (%s): %s linked = %v, allowed = %v", acct.Username, lang, rt.Pattern, linked, allowed)
				}
				var p webtest.Page
				if rt.Method == http.MethodGet {
					p = c.Get(t, path)
				} else {
					p = c.Post(t, path, url.Values{"csrf": {tok}})
				}
				switch {
				case !allowed && p.Status != http.StatusForbidden:
					t.Errorf("%s (%s): %s %s = %d, want 403", acct.Username, lang, rt.Method, path, p.Status)
				case !allowed && !strings.Contains(p.Body, map[string]string{"it-IT": "Accesso non consentito", "en-GB": "Not allowed"}[lang]):
					t.Errorf("%s (%s): the 403 page of %s is not in the user's language", acct.Username, lang, path)
				case allowed && rt.Method == http.MethodGet && !strings.Contains(rt.Pattern, "{") && !served(p.Status):
					t.Errorf("%s (%s): allowed %s = %d", acct.Username, lang, path, p.Status)
				}
			}
		}
	}
}

// served: the page was answered (a form without its inputs comes back
// 422 with the errors next to them), neither refused nor failed.
func served(status int) bool {
	return status == http.StatusOK || status == http.StatusSeeOther || status == http.StatusUnprocessableEntity
}

// routesOf is the UI's route table.
func routesOf(t *testing.T) []web.Route {
	s, err := web.New(web.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Routes()
}
