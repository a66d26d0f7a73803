package browsertests

import (
	"context"
	_ "embed"
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

	"serenade/internal/testsupport/browsertest"
)

// axeJS is axe-core (testdata, vendored by make assets), injected into
// each page checked.
//
//go:embed testdata/axe.min.js
var axeJS string

// step is one action of a test.
type step = chromedp.Action[chromedp.Void]

// tab is a browser on the server's origin; its JavaScript problems
// (exceptions, console errors, CSP violations in the log) fail the test
// when it ends.
type tab struct {
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

func newTab(t *testing.T, base string) *tab {
	t.Helper()
	tb := &tab{ctx: browsertest.New(t), base: base}
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

// do runs steps with a 20-second bound, failing the test on an error.
func (tb *tab) do(t *testing.T, what string, steps ...step) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script (a promise is awaited) into out.
func evalTab[T any](t *testing.T, tb *tab, script string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", script, err)
	}
	return v
}

// login logs in with the local form and waits for the navigation.
func (tb *tab) login(t *testing.T, username, password string) {
	t.Helper()
	tb.do(t, "login as "+username,
		chromedp.Navigate(tb.base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("#nav")))
}

// lang switches the UI to lang with the switcher, if it is not already.
func (tb *tab) lang(t *testing.T, lang string) {
	t.Helper()
	if evalTab[string](t, tb, `document.documentElement.lang`) == lang {
		return
	}
	tb.do(t, "switch to "+lang,
		chromedp.Click(chromedp.CSS(`form.langswitch button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] #main`)))
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the page and fails on
// serious or critical violations.
func (tb *tab) axe(t *testing.T, page string) {
	t.Helper()
	evalTab[any](t, tb, axeJS+";0")
	violations := evalTab[[]string](t, tb, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; ")))`)
	for _, v := range violations {
		t.Errorf("axe on %s: %s", page, v)
	}
}

// screenshotDir is the ignored folder of the browser tests' screenshots,
// at the top of the repository.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves full-page screenshots of the current page at 1280 and 768
// px wide, as <name>-<lang>-<width>.png, then goes back to the desktop
// width; ready, when set, is waited for after each resize.
func (tb *tab) shoot(t *testing.T, name, lang string, ready step) {
	t.Helper()
	dir := screenshotDir(t)
	for _, w := range []int64{1280, 768} {
		steps := []step{chromedp.EmulateViewport(w, 900), chromedp.Sleep(200 * time.Millisecond)}
		if ready != nil {
			steps = append(steps, ready)
		}
		tb.do(t, "resize for "+name, steps...)
		ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+lang+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
			t.Error(err)
		}
	}
	tb.do(t, "desktop width", chromedp.EmulateViewport(browsertest.ViewportWidth, browsertest.ViewportHeight))
}
