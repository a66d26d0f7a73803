// Package webtest drives the web UI over HTTP in tests, as a browser
// without JavaScript would: a cookie jar, no automatic redirects, form
// posts with this origin's Origin header and the page's CSRF token.
// Browser tests (JavaScript, screenshots, accessibility) use chromedp
// with browsertest instead.
package webtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Client is one browser's worth of cookies against a server.
type Client struct {
	Base string // http://127.0.0.1:port
	HTTP *http.Client
	Lang string // Accept-Language ("" : it)
}

// New returns a client with an empty cookie jar that does not follow
// redirects (tests look at them).
func New(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Base: base, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Page is an answer: status, headers and body.
type Page struct {
	Status int
	Header http.Header
	Body   string
}

// Location is the redirect target's path.
func (p Page) Location() string { return p.Header.Get("Location") }

// Get fetches a path.
func (c *Client) Get(t testing.TB, path string) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, req)
}

// Post sends a form from this origin (Origin header set, as a browser
// does); the caller adds the CSRF token (see CSRF) when the form has one.
func (c *Client) Post(t testing.TB, path string, form url.Values) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(t, req)
}

func (c *Client) do(t testing.TB, req *http.Request) Page {
	t.Helper()
	if req.Header.Get("Accept") == "" { // as a browser asks for a page
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Login logs in with the local form and fails the test unless it
// redirects (303).
func (c *Client) Login(t testing.TB, username, password string) Page {
	t.Helper()
	p := c.Post(t, "/login", url.Values{"username": {username}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: %d, want 303\n%s", username, p.Status, p.Body)
	}
	return p
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF returns the form token of a page ("" without one).
func CSRF(body string) string {
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}
