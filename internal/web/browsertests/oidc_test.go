package browsertests

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
	"serenade/internal/testsupport/dextest"
)

// TestOIDCLoginInTheBrowser: with an OIDC issuer (a real Dex), the
// login page offers "Sign in with Dex" and no password form; the
// authorization code flow with PKCE, state and nonce logs the doctor in
// with the roles of the provider's access token; logout ends the
// session (Dex has no end_session_endpoint, so the browser lands on
// /logged-out) and the pages ask for a login again.
func TestOIDCLoginInTheBrowser(t *testing.T) {
	addr := dextest.FreeAddr(t)
	d := dextest.StartWith(t, dextest.Options{RedirectURIs: []string{"http://" + addr + "/oidc/callback"}})
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.Listen = addr
		c.OIDC = app.OIDCConfig{Issuer: d.Issuer, ClientID: d.ClientID, ClientSecret: d.ClientSecret, RolesClaim: "groups"}
		c.Web.ProviderName, c.Web.Scopes = "Dex", "openid profile email groups"
	}})
	tb := newTab(t, s.URL)
	tb.do("login page", chromedp.Navigate(s.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/oidc/login"]`)))
	if n := eval[int](tb, `document.querySelectorAll("#password").length`); n != 0 {
		t.Error("the local password form is offered although login is external")
	}
	if got := tb.text("main"); !strings.Contains(got, "Dex") {
		t.Errorf("the login page does not name the provider:\n%s", got)
	}
	tb.do("sign in at Dex",
		chromedp.Click(chromedp.CSS(`a[href^="/oidc/login"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "dottore-alice@serenade.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "alice"),
		browsertest.Navigates(chromedp.Click(chromedp.CSS("#submit-login"))),
		chromedp.WaitVisible(chromedp.CSS("nav#nav")),
	)
	if got := eval[string](tb, `location.pathname`); got != "/patients" {
		t.Errorf("after the OIDC login the doctor is at %s, want /patients", got)
	}
	if got := tb.text(".who"); !strings.Contains(got, "dottore") {
		t.Errorf("the top bar shows %q", got)
	}
	tb.do("log out",
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`))),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if got := eval[string](tb, `location.pathname`); got != "/logged-out" {
		t.Errorf("after logout the browser is at %s", got)
	}
	tb.do("the pages ask for a login again", chromedp.Navigate(s.URL+"/patients"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/oidc/login"]`)))
}
