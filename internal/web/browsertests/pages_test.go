package browsertests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/browsertest"
)

// TestEveryDoctorPageScreenshotsAndAccessibility visits every page the
// doctor uses, in Italian and in English, saves screenshots at 1280 and
// 768 px (screenshots/doctor-<page>-<lang>-<width>.png) and runs axe-core
// on each: no serious or critical violation. The login, error and
// logged-out pages are checked the same way.
func TestEveryDoctorPageScreenshotsAndAccessibility(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	// Three browsers per language, so that each stays within the
	// browser's time limit on a busy machine.
	groups := [][]string{{"login", "patients", "enrol"}, {"patient", "withdraw", "history"}, {"account", "error-404", "logged-out"}}
	for _, lang := range []string{"it", "en"} {
		for i, group := range groups {
			t.Run(fmt.Sprintf("%s-%d", lang, i), func(t *testing.T) {
				visitPages(t, s.URL, lang, group)
			})
		}
	}
}

// visitPages logs the doctor in and visits, shoots and checks the named
// pages in one language.
func visitPages(t *testing.T, base, lang string, names []string) {
	ctx := browsertest.New(t)
	do(t, ctx, "login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")))
	setLanguage(t, ctx, lang)
	total := 0
	if slices.Contains(names, "login") {
		shoot(t, ctx, "login", lang)
		total += checkAccessibility(t, ctx, "login")
	}
	login(t, ctx, base, demo.Doctor, "alice")
	do(t, ctx, "patient list", chromedp.Navigate(base+"/patients?sort=last_name"), chromedp.WaitVisible(chromedp.CSS("table")))
	patient := eval[string](t, ctx, `document.querySelector("tbody a").getAttribute("href")`)
	paths := map[string][2]string{
		"patients": {"/patients?sort=last_name", "table"}, "enrol": {"/patients/new", "#codice_fiscale"}, "patient": {patient, "#identity"},
		"withdraw": {patient + "/withdraw", "#confirm"}, "history": {patient + "/history", "main h1"}, "account": {"/account", "main h1"},
		"error-404": {"/no/such/page", "main h1"},
	}
	for _, name := range names {
		p, ok := paths[name]
		if !ok {
			continue
		}
		do(t, ctx, name, chromedp.Navigate(base+p[0]), chromedp.WaitVisible(chromedp.CSS(p[1])))
		if got := eval[string](t, ctx, `document.documentElement.lang`); got != lang {
			t.Errorf("%s is in %q, want %q", name, got, lang)
		}
		if k := missingKey(text(t, ctx)); k != "" {
			t.Errorf("%s shows an untranslated key %s", name, k)
		}
		shoot(t, ctx, "doctor-"+name, lang)
		total += checkAccessibility(t, ctx, name)
	}
	if slices.Contains(names, "logged-out") {
		do(t, ctx, "log out", browsertest.Navigates(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`))), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shoot(t, ctx, "logged-out", lang)
		total += checkAccessibility(t, ctx, "logged out")
	}
	t.Logf("axe-core (%s, %v): %d violations of minor or moderate impact, none serious or critical", lang, names, total)
}

// missingKey finds "[some.key]", what Locale.T shows for an unknown key.
func missingKey(s string) string {
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]") && strings.Count(f, ".") > 0 && strings.ToLower(f) == f {
			return f
		}
	}
	return ""
}
