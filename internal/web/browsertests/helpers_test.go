// Package browsertests drives the web UI in a real Chromium (chromedp,
// internal/testsupport/browsertest): the doctor's flow, the OIDC login,
// session expiry mid-form, screenshots of every page at 1280 and 768 px
// in Italian and English (under screenshots/ at the repository root,
// ignored by git) and an axe-core accessibility check of each.
package browsertests

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"serenade/internal/testsupport/browsertest"
)

// axeSource is axe-core, pinned in web/package.json and copied here by
// make assets; it is injected by the tests only, never served.
//
//go:embed testdata/axe.min.js
var axeSource string

// widths are the viewport widths of the screenshots: desktop and tablet.
var widths = []int64{1280, 768}

// do runs browser steps and fails the test with a screenshot when one
// fails.
func do(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		browsertest.Screenshot(t, ctx, filepath.Join(t.TempDir(), "failure.png"))
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("%s: %v\npage text:\n%s", name, err, body)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the visible text of the page's main element.
func text(t *testing.T, ctx context.Context) string {
	return eval[string](t, ctx, `(document.querySelector("main") || document.body).innerText`)
}

// shotsDir is screenshots/ at the repository root.
func shotsDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves full-page screenshots of the current page at every width,
// as screenshots/<name>-<lang>-<width>.png, then restores the desktop
// viewport.
func shoot(t *testing.T, ctx context.Context, name, lang string) {
	t.Helper()
	for _, w := range widths {
		do(t, ctx, "viewport", chromedp.EmulateViewport(w, browsertest.ViewportHeight))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(shotsDir(t), name+"-"+lang+"-"+itoa(w)+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "viewport", chromedp.EmulateViewport(browsertest.ViewportWidth, browsertest.ViewportHeight))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// violation is one axe-core finding.
type violation struct {
	ID, Impact, Help string
	Nodes            []struct{ Target []string }
}

// checkAccessibility runs axe-core (WCAG 2.0/2.1 A and AA rules) on the
// current page and fails on any serious or critical violation; it
// returns how many violations of any impact it found.
func checkAccessibility(t *testing.T, ctx context.Context, page string) int {
	t.Helper()
	if !eval[bool](t, ctx, `typeof axe !== "undefined"`) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeSource+";true")); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	raw := eval[string](t, ctx, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`)
	var vs []violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	return len(vs)
}

// login logs in with the local form.
func login(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	do(t, ctx, "log in as "+user,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(chromedp.CSS("nav#nav")),
	)
}

// setLanguage sets the UI language cookie as the switcher does, by
// clicking it when the page is in the other language.
func setLanguage(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	if eval[string](t, ctx, `document.documentElement.lang`) == lang {
		return
	}
	do(t, ctx, "switch to "+lang,
		chromedp.Click(chromedp.CSS(`.langswitch button[value="`+lang+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"]`)),
	)
}

// waitFor polls a JavaScript condition until it holds (at most 10 s).
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	do(t, ctx, what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second))(ctx, tg)
		return err
	}))
}

// clear empties an input, as a user selecting its text and deleting it.
func clear(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	eval[bool](t, ctx, `(() => { const el = document.querySelector(`+strconv.Quote(sel)+`); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
}
