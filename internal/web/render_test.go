package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
	"serenade/internal/web/i18n"
)

// sampleNow is the clock of the samples.
var sampleNow = time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC)

// sample is one rendering of a page template: its title and view
// model, and whether it is shown with a session.
type sample struct {
	template, title string
	data            any
	session         bool
}

// samples renders every page template with realistic data. A page
// added without a sample fails TestEveryTemplateRendersInBothLanguages.
func samples() []sample {
	out := []sample{
		{template: "login", title: "login.title", data: loginData{Username: "dottore-alice", Next: "/patients", Error: "login.failed", Local: true, Provider: "Keycloak"}},
		{template: "login", title: "login.title", data: loginData{Expired: true, Local: true}},
		{template: "loggedout", title: "logout.title"},
		{template: "account", title: "account.title", data: accountData{Username: "dottore-alice", Subject: "local:dottore-alice", Roles: []string{"dottore"}}, session: true},
	}
	for _, st := range []int{403, 404, 409, 410, 429, 500, 503} {
		out = append(out, sample{template: "error", title: "error.title", data: errorData{Status: st}, session: st == 403})
	}
	out = append(out, doctorSamples()...)
	out = append(out, fieldSamples()...)
	out = append(out, researchSamples()...)
	return append(out, adminSamples()...)
}

// testServer is a Server without an API (rendering only).
func testServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Deps{LocalLogin: true, Now: func() time.Time { return sampleNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// requestAs is a request through the middleware's state: a locale and,
// when session, a doctor's session.
func (s *Server) requestAs(lang string, withSession bool, target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	st := &reqState{loc: s.bundle.Locale(lang, nil)}
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	if withSession {
		p := domain.Principal{Subject: "local:dottore-alice", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}}
		st.sess = &session{store.WebSession{Principal: p, CSRF: make([]byte, 32)}}
		ctx = domain.WithPrincipal(ctx, p)
	}
	return r.WithContext(ctx)
}

// missingMessage is what Locale.T gives for an unknown id.
var missingMessage = regexp.MustCompile(`\[[a-z_]+(\.[a-z0-9_]+)+\]`)

// TestEveryTemplateRendersInBothLanguages renders each sample in Italian
// and English and fails on a template error, an untranslated message or
// a page template without a sample.
func TestEveryTemplateRendersInBothLanguages(t *testing.T) {
	s := testServer(t)
	covered := map[string]bool{}
	for _, smp := range samples() {
		covered[smp.template] = true
		for _, lang := range i18n.Languages {
			r := s.requestAs(lang, smp.session, "/")
			w := httptest.NewRecorder()
			if err := s.render(w, http.StatusOK, smp.template, s.page(r, smp.title, smp.data)); err != nil {
				t.Errorf("%s (%s): %v", smp.template, lang, err)
				continue
			}
			body := w.Body.String()
			if m := missingMessage.FindString(body); m != "" {
				t.Errorf("%s (%s): untranslated %s", smp.template, lang, m)
			}
			if !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s (%s): no lang attribute", smp.template, lang)
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
				t.Errorf("%s (%s): inline style or script (the CSP forbids them)", smp.template, lang)
			}
			saveSample(t, smp.template, lang, body)
		}
	}
	for name := range s.pages {
		if !covered[name] {
			t.Errorf("template %q has no sample in samples()", name)
		}
	}
}

// saveSample writes a rendering under $SERENADE_WEB_SAMPLES, when set,
// to look at.
func saveSample(t *testing.T, name, lang, body string) {
	dir := os.Getenv("SERENADE_WEB_SAMPLES")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+"."+lang+".html"), []byte(body), 0o644); err != nil {
		t.Error(err)
	}
}

// messageID finds message ids in templates and Go sources: quoted
// dotted lower-case words.
var messageID = regexp.MustCompile(`"([a-z_]+(?:\.[a-z0-9_]+)+)"`)

// TestMessagesComplete: both languages have the same message ids, and
// every id the templates and Go code name (in a namespace the messages
// use) exists.
func TestMessagesComplete(t *testing.T) {
	s := testServer(t)
	it, en := s.bundle.Keys("it"), s.bundle.Keys("en")
	for _, k := range it {
		if !slices.Contains(en, k) {
			t.Errorf("%q is in it.toml but not in en.toml", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(it, k) {
			t.Errorf("%q is in en.toml but not in it.toml", k)
		}
	}
	spaces := map[string]bool{}
	for _, k := range it {
		spaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("templates/*.html")
	pages, _ := filepath.Glob("templates/pages/*.html")
	for _, f := range slices.Concat(files, tmpl, pages) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messageID.FindAllStringSubmatch(string(b), -1) {
			id := m[1]
			if ext := filepath.Ext(id); ext == ".html" || ext == ".css" || ext == ".js" || ext == ".toml" {
				continue // a file name
			}
			if spaces[strings.SplitN(id, ".", 2)[0]] && !s.bundle.Has("it", id) {
				t.Errorf("%s names message %q, which no language has", f, id)
			}
		}
	}
}

// TestFormatsPerLocale: dates, relative times and numbers per language.
func TestFormatsPerLocale(t *testing.T) {
	s := testServer(t)
	it, en := s.bundle.Locale("it", time.UTC), s.bundle.Locale("en", time.UTC)
	at := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{it.Date(at), "2 marzo 2026"}, {en.Date(at), "2 March 2026"},
		{it.DateTime(at), "2 marzo 2026, 14:05"},
		{it.Ago(at, at.Add(72*time.Hour)), "3 giorni fa"}, {en.Ago(at, at.Add(72*time.Hour)), "3 days ago"},
		{it.Ago(at, at.Add(24*time.Hour)), "1 giorno fa"}, {en.Ago(at, at.Add(2*time.Hour)), "2 hours ago"},
		{it.Number(12345), "12.345"}, {en.Number(12345), "12,345"},
		{it.Enum("role", "iit"), "Installatore"}, {en.Enum("role", "unimi"), "Researcher"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for _, c := range []struct{ cookie, accept, want string }{
		{"", "en-GB,en;q=0.9", "en"}, {"", "it-IT", "it"}, {"", "de-DE", "it"}, {"en", "it-IT", "en"}, {"fr", "en", "en"},
	} {
		if got := i18n.Match(c.cookie, c.accept); got != c.want {
			t.Errorf("Match(%q, %q) = %q, want %q", c.cookie, c.accept, got, c.want)
		}
	}
}
