package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// TestLoginSessionCSRFAndLogoutOnBothBackends: a page without a session
// goes to login; a wrong password stays there (the typed username kept);
// a login sets an HttpOnly, SameSite=Lax session cookie with a new id
// each time; pages carry the security headers; a form post without the
// CSRF token, or from another origin, is refused; logout deletes the
// session so the old cookie no longer works.
func TestLoginSessionCSRFAndLogoutOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			c := webtest.New(t, s.URL)
			if p := c.Get(t, "/account"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location(), "/login?next=") {
				t.Fatalf("GET /account without session = %d %q, want 303 to /login", p.Status, p.Location())
			}
			bad := c.Post(t, "/login", url.Values{"username": {demo.Doctor}, "password": {"wrong"}})
			if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Body, `value="`+demo.Doctor+`"`) || !strings.Contains(bad.Body, "Nome utente o password non validi") {
				t.Fatalf("wrong password = %d, want 401 with the username kept and the Italian message:\n%s", bad.Status, bad.Body)
			}
			first := sessionCookie(t, c.Login(t, demo.Doctor, "alice"))
			second := sessionCookie(t, c.Login(t, demo.Doctor, "alice"))
			if first.Value == second.Value {
				t.Error("a second login kept the session id (fixation)")
			}
			for _, ck := range []*http.Cookie{first, second} {
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || len(ck.Value) < 43 {
					t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, 256 bits", ck)
				}
			}
			acct := c.Get(t, "/account")
			if acct.Status != http.StatusOK || !strings.Contains(acct.Body, demo.Doctor) {
				t.Fatalf("GET /account = %d\n%s", acct.Status, acct.Body)
			}
			for h, want := range map[string]string{"Content-Security-Policy": "default-src 'none'; script-src 'self'", "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
				if got := acct.Header.Get(h); !strings.HasPrefix(got, want) {
					t.Errorf("%s = %q, want %q…", h, got, want)
				}
			}
			tok := webtest.CSRF(acct.Body)
			if p := c.Post(t, "/logout", url.Values{}); p.Status != http.StatusForbidden {
				t.Errorf("logout without the CSRF token = %d, want 403", p.Status)
			}
			wrong := "x" + tok[1:]
			if wrong == tok { // a token that begins with "x" (1 in 64) would be the right one
				wrong = "y" + tok[1:]
			}
			if p := c.Post(t, "/logout", url.Values{"csrf": {wrong}}); p.Status != http.StatusForbidden {
				t.Errorf("logout with a wrong CSRF token = %d, want 403", p.Status)
			}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/logout", strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://evil.example")
			req.AddCookie(second)
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
				t.Errorf("logout from another origin = %v %v, want 403", res.StatusCode, err)
			}
			if p := c.Post(t, "/logout", url.Values{"csrf": {tok}}); p.Status != http.StatusSeeOther {
				t.Fatalf("logout = %d", p.Status)
			}
			again := webtest.New(t, s.URL)
			again.HTTP.Jar.SetCookies(mustURL(t, s.URL), []*http.Cookie{second})
			if p := again.Get(t, "/account"); p.Status != http.StatusSeeOther {
				t.Errorf("the logged-out cookie still opens /account: %d", p.Status)
			}
		})
	}
}

func sessionCookie(t *testing.T, p webtest.Page) *http.Cookie {
	t.Helper()
	for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
		if ck.Name == "serenade_session" {
			return ck
		}
	}
	t.Fatalf("no session cookie in %v", p.Header)
	return nil
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
