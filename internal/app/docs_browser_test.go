package app_test

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
)

// TestBrowserDocsLogInAndTryMe uses the interactive documentation as a
// person would, in a real browser: it logs in with the OAuth2 password
// flow of the Authorize dialog, then runs GET /api/v1/me with "Try it
// out". The page must work offline: it may load nothing from any other
// origin.
func TestBrowserDocsLogInAndTryMe(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := browsertest.New(t)
	origin, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu       sync.Mutex
		requests []string // "METHOD URL" of every request the page made
		problems []string // uncaught exceptions and errors in the console and browser log
	)
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.Method+" "+ev.Request.URL)
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+exceptionText(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console error: "+argsText(ev.Args))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log error: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// Checked however the test ends. A request the Content-Security-Policy
	// blocks never reaches the network, so it shows only as a violation in
	// the browser's log: both lists must be clean.
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range requests {
			_, raw, _ := strings.Cut(r, " ")
			if strings.HasPrefix(raw, "data:") {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != origin.Scheme || u.Host != origin.Host {
				t.Errorf("the page made a request outside the server: %s", r)
			}
		}
		for _, p := range problems {
			t.Errorf("browser reported: %s", p)
		}
	}()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	// step runs actions. If one fails or they do not finish in time, it
	// fails the test with the step's name, logging the page's text, the
	// requests so far and a screenshot (kept with -artifacts). Each step
	// has its own timeout, shorter than the browser's, so that the browser
	// is still there to be looked at.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			if ctx.Err() == nil {
				// The dialog if it is open, else the whole page.
				if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](
					`(document.querySelector('.modal-ux') || document.body).innerText`)); err == nil {
					t.Logf("page text:\n%s", text)
				}
				mu.Lock()
				t.Logf("requests so far:\n%s", strings.Join(requests, "\n"))
				if len(problems) > 0 {
					t.Logf("browser reported:\n%s", strings.Join(problems, "\n"))
				}
				mu.Unlock()
				browsertest.Screenshot(t, ctx, filepath.Join(t.ArtifactDir(), "docs.png"))
			}
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(name string, sel chromedp.CSS) (s string) {
		t.Helper()
		step(name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			s, err = chromedp.Text(sel)(ctx, tg)
			return err
		}))
		return s
	}

	const (
		modal = ".swagger-ui .modal-ux"
		me    = "#operations-auth-get-me" // Swagger UI's id for the operation get-me of the tag auth
	)

	step("open the docs and wait for Swagger UI",
		chromedp.Navigate(s.URL+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .info .title")),
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .btn.authorize")),
		chromedp.WaitVisible(chromedp.CSS(me+` .opblock-summary-path[data-path="/api/v1/me"]`)),
	)
	if title := text("read the title", ".swagger-ui .info .title"); !strings.Contains(title, "Serenade API") {
		t.Errorf("title %q, want Serenade API", title)
	}

	// The dialog lists the bearer scheme first, then oauth2 with its own
	// username and password fields and its own Authorize button.
	step("log in with the password flow",
		chromedp.Click(chromedp.CSS(".swagger-ui .btn.authorize")),
		chromedp.WaitVisible(chromedp.CSS(modal+" #oauth_username")),
		chromedp.SendKeys(chromedp.CSS(modal+" #oauth_username"), "dottore-alice"),
		chromedp.SendKeys(chromedp.CSS(modal+" #oauth_password"), "alice"),
		chromedp.Click(chromedp.CSS(modal+` button.authorize[aria-label="Apply given OAuth2 credentials"]`)),
		// The oauth2 section then says it is authorized and offers to log
		// out, or shows the error of the token request.
		chromedp.WaitVisible(chromedp.Search(`//div[@class="modal-ux"]//button[normalize-space()="Logout"]`+
			` | //div[@class="modal-ux"]//div[contains(@class, "errors")]`)),
	)
	if dialog := text("read the dialog", modal); strings.Contains(dialog, "Auth Error") || !strings.Contains(dialog, "Logout") {
		t.Fatalf("the Authorize dialog does not show the login as authorized:\n%s", dialog)
	}
	step("close the dialog",
		chromedp.Click(chromedp.CSS(modal+" .close-modal")),
		chromedp.WaitNotPresent(chromedp.CSS(modal)),
		// The Authorize button shows a closed lock once a scheme is authorized.
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .btn.authorize.locked")),
	)

	step("run GET /api/v1/me",
		chromedp.Click(chromedp.CSS(me+" .opblock-summary-control")),
		chromedp.WaitVisible(chromedp.CSS(me+" .try-out__btn")),
		chromedp.Click(chromedp.CSS(me+" .try-out__btn")),
		chromedp.WaitVisible(chromedp.CSS(me+" .btn.execute")),
		chromedp.Click(chromedp.CSS(me+" .btn.execute")),
		chromedp.WaitVisible(chromedp.CSS(me+" .live-responses-table .response .response-col_status")),
		chromedp.WaitVisible(chromedp.CSS(me+" .live-responses-table .response .highlight-code pre")),
	)
	if u := text("read the request URL", me+" .request-url pre"); u != s.URL+"/api/v1/me" {
		t.Errorf("request URL %q, want %s/api/v1/me", u, s.URL)
	}
	if status := strings.TrimSpace(text("read the status", me+" .live-responses-table .response .response-col_status")); status != "200" {
		t.Errorf("status %q, want 200", status)
	}
	body := text("read the body", me+" .live-responses-table .response .highlight-code pre")
	if !strings.Contains(body, `"username": "dottore-alice"`) {
		t.Errorf("response body does not show the username dottore-alice:\n%s", body)
	}

	// The token came from the password flow at the server's token
	// endpoint, and /me was really asked.
	mu.Lock()
	made := slices.Clone(requests)
	mu.Unlock()
	for _, want := range []string{"GET " + s.URL + "/docs", "POST " + s.URL + "/api/v1/auth/token", "GET " + s.URL + "/api/v1/me"} {
		if !slices.Contains(made, want) {
			t.Errorf("the page made no request %s; it made:\n%s", want, strings.Join(made, "\n"))
		}
	}
}

// exceptionText is the message of an uncaught exception.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// argsText joins the arguments of a console call as the console shows them.
func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case a.Value != nil:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
