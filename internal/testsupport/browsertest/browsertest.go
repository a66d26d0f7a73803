// Package browsertest starts a real headless Chromium for tests that drive
// a browser, such as the tests of the interactive API documentation.
//
// Every test gets its own browser process, with a fresh profile in a new
// temporary directory and only the command-line flags in Flags. The browser
// lives as long as the test, or Timeout, whichever ends first. Its pages
// are shown in a desktop-sized viewport, ViewportWidth by ViewportHeight.
//
// Without Chromium, a test fails when the environment variable CI is true,
// so that a CI runner never passes by skipping its browser tests; on a
// developer's machine it is skipped with a loud message.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds each test's browser: when it passes, the browser stops
// and every further action fails. Generous: a flow of several pages on
// a loaded 2-core machine took a minute.
const Timeout = 3 * time.Minute

// The size in CSS pixels of the page's viewport.
const ViewportWidth, ViewportHeight = 1280, 1024

// Flags are the command-line switches Chromium starts with, without their
// leading "--". The browser also gets a fresh --user-data-dir in a
// temporary directory (removed when the test ends) and
// --remote-debugging-pipe: the test talks to it over a pipe, so it opens
// no debugging port.
var Flags = []string{
	"headless",
	"no-sandbox",
	"disable-gpu",
	"disable-background-networking",
	"disable-component-update",
	"no-first-run",
}

// names are the executables looked for in PATH, in order.
var names = []string{"chromium", "chromium-browser"}

// New starts a headless Chromium and returns a context for driving a tab
// of it with chromedp. The browser is stopped, and its profile removed,
// when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	path := execPath()
	if path == "" {
		missing(t)
	}

	// The options are built here rather than from chromedp's defaults,
	// which add switches of their own: the browser gets Flags and nothing
	// else. With no user-data-dir among them, the allocator creates a new
	// temporary profile directory for each browser, and removes it (after
	// stopping any helper process left behind) when the browser exits.
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}

	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser() // closes the tab and stops the browser
		cancelAlloc()   // waits for the process to exit and its profile to go
		cancelTimeout()
	})

	// The first action starts the browser and opens a tab, binding the
	// browser's life to ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	// A headless window is small (about 780×440 inside): too short for
	// dialogs such as Swagger UI's, whose lower buttons then lie out of
	// reach below the fixed overlay. Pages are shown as on a desktop.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(ViewportWidth, ViewportHeight)); err != nil {
		t.Fatalf("browsertest: set the viewport: %v", err)
	}
	return ctx
}

// execPath returns the absolute path of the first of names found in PATH,
// or "".
func execPath() string {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// missing ends a test that has no browser to run: a failure in CI, a skip
// elsewhere.
func missing(t testing.TB) {
	t.Helper()
	const msg = "browsertest: no Chromium found in PATH (looked for chromium and chromium-browser)"
	if inCI() {
		t.Fatal(msg + "; CI=true, so this is a failure, not a skip: install Chromium (Debian: apt-get install chromium)")
	}
	t.Skip("\n" +
		"**********************************************************************\n" +
		"*** SKIPPED: " + msg + ".\n" +
		"*** This browser test did NOT run. Install Chromium to run it\n" +
		"*** (Debian: apt-get install chromium); in CI it would fail.\n" +
		"**********************************************************************")
}

// inCI reports whether the environment variable CI is set to true (as CI
// services set it, "true" or "1").
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Screenshot saves a PNG of the whole page in the tab of ctx to path. A
// failure to take or save it is reported with t.Errorf, as a screenshot is
// usually taken to explain another failure.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("browsertest: screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("browsertest: screenshot: %v", err)
		return
	}
	t.Logf("browsertest: screenshot saved to %s", path)
}

// Navigates runs act, a click or a submit that loads another page, and
// waits until that page has loaded. Without it, a wait for a selector
// right after the click may match the page being left (every page has a
// "main h1"), and the next step then races the navigation.
//
// It marks the current document, runs act, and polls (every 50 ms, up to
// 30 s) until a document without the mark has finished loading. Errors
// while polling are ignored: between the two documents there is no
// execution context to evaluate in.
func Navigates(act chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	const mark = `window.__browsertestLeaving = true`
	const loaded = `window.__browsertestLeaving === undefined && document.readyState === "complete"`
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Evaluate[bool](mark)(ctx, tg); err != nil {
			return err
		}
		if _, err := act(ctx, tg); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for {
			if done, err := chromedp.Evaluate[bool](loaded)(ctx, tg); err == nil && done {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("browsertest: no new page loaded after the action: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}
