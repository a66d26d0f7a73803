package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
	"serenade/internal/web"
)

var (
	pathParam = regexp.MustCompile(`\{[a-z$]*\}`)
	navBlock  = regexp.MustCompile(`(?s)<nav id="nav".*?</nav>`)
)

// forbiddenTitle is the 403 page's heading in each language.
var forbiddenTitle = map[string]string{"it": "Accesso non consentito", "en": "Not allowed"}

// TestEveryRoleIsShownAndServedOnlyItsPages walks the whole route table
// for every demo account in both languages: a page the matrix refuses
// the role is neither in its navigation nor served (the 403 page, in the
// language asked for); a navigation page it allows is linked. So the
// field teams never see the doctor's, researcher's or admin's pages, and
// the others never the field teams'.
func TestEveryRoleIsShownAndServedOnlyItsPages(t *testing.T) {
	t.Parallel()
	ui, err := web.New(web.Deps{LocalLogin: true})
	if err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.Options{Demo: true})
	for _, a := range demo.Accounts {
		for _, lang := range []string{"it", "en"} {
			t.Run(a.Username+"/"+lang, func(t *testing.T) {
				t.Parallel()
				c := webtest.New(t, s.URL)
				c.Lang = lang
				c.Login(t, a.Username, a.Password)
				acct := c.Get(t, "/account")
				nav := navBlock.FindString(acct.Body)
				if acct.Status != http.StatusOK || nav == "" {
					t.Fatalf("account page: %d, navigation found: %v", acct.Status, nav != "")
				}
				for _, rt := range ui.Routes() {
					if rt.Public || rt.Method != http.MethodGet {
						continue
					}
					path := pathParam.ReplaceAllString(rt.Pattern, "x")
					linked := strings.Contains(nav, `href="`+rt.Pattern+`"`)
					if access.Allows(a.Roles, rt.Action) {
						if rt.Nav != "" && !linked {
							t.Errorf("%s is allowed but not in the navigation", rt.Pattern)
						}
						continue
					}
					if linked {
						t.Errorf("%s is linked though the matrix refuses %s", rt.Pattern, rt.Action)
					}
					p := c.Get(t, path)
					if p.Status != http.StatusForbidden || !strings.Contains(p.Body, forbiddenTitle[lang]) {
						t.Errorf("GET %s = %d, want the 403 page in %s", path, p.Status, lang)
					}
				}
			})
		}
	}
}
