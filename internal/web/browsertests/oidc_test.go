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
	ctx := browsertest.New(t)
	do(t, ctx, "login page", chromedp.Navigate(s.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/oidc/login"]`)))
	if n := eval[int](t, ctx, `document.querySelectorAll("#password").length`); n != 0 {
		t.Error("the local password form is offered although login is external")
	}
	if got := text(t, ctx); !strings.Contains(got, "Dex") {
		t.Errorf("the login page does not name the provider:\n%s", got)
	}
	do(t, ctx, "sign in at Dex",
		chromedp.Click(chromedp.CSS(`a[href^="/oidc/login"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "dottore-alice@serenade.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "alice"),
		browsertest.Navigates(chromedp.Click(chromedp.CSS("#submit-login"))),
		chromedp.WaitVisible(chromedp.CSS("nav#nav")),
	)
	if got := eval[string](t, ctx, `location.pathname`); got != "/patients" {
		t.Errorf("after the OIDC login the doctor is at %s, want /patients", got)
	}
	if got := eval[string](t, ctx, `document.querySelector(".who").innerText`); !strings.Contains(got, "dottore") {
		t.Errorf("the top bar shows %q", got)
	}
	do(t, ctx, "log out",
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`))),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if got := eval[string](t, ctx, `location.pathname`); got != "/logged-out" {
		t.Errorf("after logout the browser is at %s", got)
	}
	do(t, ctx, "the pages ask for a login again", chromedp.Navigate(s.URL+"/patients"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/oidc/login"]`)))
}
