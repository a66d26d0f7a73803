// Package browsertests drives the web UI in a real Chromium (chromedp,
// internal/testsupport/browsertest): every role's flow on one server and
// on both backends, the navigation and the 403 page per role in Italian
// and English, the OIDC login, session expiry mid-form, the page weight,
// and a tour of every main page per role with an axe-core accessibility
// check (and, with SERENADE_SCREENSHOTS=1, as `make screenshots` sets
// it, screenshots at 1280 and 768 px under screenshots/ at the
// repository root, ignored by git).
//
// Every test drives its browsers through one helper, tab.
package browsertests

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"serenade/internal/demo"
	"serenade/internal/testsupport/browsertest"
)

// axeJS is axe-core (testdata, vendored by make assets), injected into
// each page checked; it is never served.
//
//go:embed testdata/axe.min.js
var axeJS string

// step is one action of a test.
type step = chromedp.Action[chromedp.Void]

// tab is a browser of one test on the server's origin (base). Its
// JavaScript problems (exceptions, console errors, CSP violations in the
// log) fail the test when it ends.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

func newTab(t *testing.T, base string) *tab {
	t.Helper()
	tb := &tab{t: t, ctx: browsertest.New(t), base: base}
	err := chromedp.Listen(tb.ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.errs = append(tb.errs, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				tb.errs = append(tb.errs, "console error")
			}
		case *log.EventEntryAdded:
			// The error pages the tests ask for are logged as failed loads.
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.Text, "status of 4") {
				tb.errs = append(tb.errs, "log error: "+ev.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.errs {
			t.Errorf("browser reported: %s", e)
		}
	})
	return tb
}

// do runs steps within 20 s (a bound for a stuck page). When one fails,
// it saves a screenshot in the test's temporary folder, logs the page's
// text and fails the test.
func (tb *tab) do(what string, steps ...step) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		if tb.ctx.Err() == nil {
			browsertest.Screenshot(tb.t, tb.ctx, filepath.Join(tb.t.TempDir(), "failure.png"))
			if body, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
				tb.t.Logf("page text:\n%s", body)
			}
		}
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script (a promise is awaited) into T.
func eval[T any](tb *tab, script string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %.60q: %v", script, err)
	}
	return v
}

// text is the visible text of the first element sel finds ("" if none).
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, `(document.querySelector(`+strconv.Quote(sel)+`) || {innerText: ""}).innerText`)
}

// login logs a demo account in with the local form and waits for the
// first page.
func (tb *tab) login(username string) {
	tb.t.Helper()
	a, ok := demo.AccountNamed(username)
	if !ok {
		tb.t.Fatalf("no demo account %s", username)
	}
	tb.do("log in as "+username,
		chromedp.Navigate(tb.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), a.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), a.Password),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("#nav")))
}

// lang switches the UI to lang with the switcher, if the page is in the
// other language.
func (tb *tab) lang(lang string) {
	tb.t.Helper()
	if eval[string](tb, `document.documentElement.lang`) == lang {
		return
	}
	tb.do("switch to "+lang,
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`.langswitch button[value="`+lang+`"]`))),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] #main`)))
}

// waitFor polls a JavaScript condition until it holds (at most 10 s).
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	tb.do(what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
		return err
	}))
}

// clear empties an input, as a user selecting its text and deleting it.
func (tb *tab) clear(sel string) {
	tb.t.Helper()
	eval[bool](tb, `(() => { const el = document.querySelector(`+strconv.Quote(sel)+`); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
}

// violation is one axe-core finding.
type violation struct {
	ID, Impact, Help string
	Nodes            []struct{ Target []string }
}

// axe runs axe-core's WCAG 2.0/2.1 A and AA rules on the page, fails on
// a serious or critical violation and returns how many violations of
// any impact it found.
func (tb *tab) axe(page string) int {
	tb.t.Helper()
	if !eval[bool](tb, `typeof axe !== "undefined"`) {
		eval[any](tb, axeJS+";0")
	}
	raw := eval[string](tb, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`)
	var vs []violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		tb.t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("axe on %s: %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	return len(vs)
}

// screenshots reports whether screenshots are asked for (make
// screenshots): they are for people to look at, and slow on a loaded
// machine, so the suite checks the pages without them.
func screenshots() bool { return os.Getenv("SERENADE_SCREENSHOTS") != "" }

// screenshotDir is the ignored folder at the repository's root.
const screenshotDir = "../../../screenshots"

// shoot, when screenshots are asked for, saves full-page screenshots of
// the current page at 1280 and 768 px wide as
// screenshots/<name>-<lang>-<width>.png, then goes back to the desktop
// width; ready, when set, is waited for after each resize.
func (tb *tab) shoot(name, lang string, ready step) {
	tb.t.Helper()
	if !screenshots() {
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	for _, w := range []int64{1280, 768} {
		steps := []step{chromedp.EmulateViewport(w, 900), chromedp.Sleep(200 * time.Millisecond)}
		if ready != nil {
			steps = append(steps, ready)
		}
		tb.do("resize for "+name, steps...)
		ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			tb.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name+"-"+lang+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
			tb.t.Error(err)
		}
	}
	tb.do("desktop width", chromedp.EmulateViewport(browsertest.ViewportWidth, browsertest.ViewportHeight))
}
