package web

import (
	"bytes"
	"context"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/web/i18n"
)

// Page is what every template gets: the layout's data and the page's
// own view model in Data. Templates translate with {{.L.T "key"}}.
type Page struct {
	Title string // message id of the page's title
	L     *i18n.Locale
	Now   time.Time
	User  *domain.Principal // nil on the login and error pages without a session
	Nav   []navItem
	CSRF  string // the session's form token ("" without a session)
	Path  string // the request's path and query, for the language switch
	Saved string // a form key whose client-side copy the page may forget (see app.js)
	// Restarted tells that a list's cursor was refused (expired, or not
	// this caller's) and the list starts again from its first page.
	Restarted bool
	Data      any
	asset     func(string) (string, error)
}

// Asset is the hashed URL of a static file ({{.Asset "app.css"}}).
func (p Page) Asset(name string) (string, error) { return p.asset(name) }

// Roles is the user's roles, translated and joined.
func (p Page) Roles() string {
	if p.User == nil {
		return ""
	}
	var out []string
	for _, r := range p.User.Roles {
		out = append(out, p.L.Enum("role", string(r)))
	}
	return strings.Join(out, ", ")
}

// funcs are the few helpers that need no locale.
var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	// kib is a size in bytes in whole kibibytes, at least 1.
	"kib":  func(size int64) int { return int(max(1, (size+1023)/1024)) },
	"dict": dict,
	"unit": unitSymbol,
	// changed reports whether a correction changed a date (set, cleared
	// or moved, at the precision the caller is shown).
	"changed": func(was, now *time.Time) bool {
		return (was == nil) != (now == nil) || (was != nil && !was.Equal(*now))
	},
	// sectionOf is an id as a section name (see safeSection).
	"sectionOf": safeSection,
	// savedKind maps a saved section to its notice: contact-<id> is a
	// contact.
	"savedKind": func(k string) string {
		if strings.HasPrefix(k, "contact-") && k != "contact-new" {
			return "contact"
		}
		return k
	},
}

// dict builds a map from key, value pairs: the data of a message with
// fields ({{.L.T "login.with" (dict "Provider" .Name)}}).
func dict(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}

// parseTemplates parses each page template (templates/pages/*.html)
// with the layout and the partials (templates/*.html) into a set of its
// own, named by the page file's base name ("login", "error", …).
func (s *Server) parseTemplates() (map[string]*template.Template, error) {
	pages, err := fs.Glob(embedded, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(embedded, "templates/*.html", p)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return out, nil
}

// page builds the layout's data for a request.
func (s *Server) page(r *http.Request, title string, data any) Page {
	st := stateOf(r)
	p := Page{Title: title, L: st.loc, Now: s.deps.Now(), Path: r.URL.RequestURI(), Data: data, asset: s.assets.URL,
		Restarted: restarted(r)}
	if st.sess != nil {
		u := st.sess.Principal
		p.User, p.Nav, p.CSRF = &u, s.nav(r), csrfToken(st.sess.CSRF)
	}
	return p
}

// render writes a page with its template; a template error is a 500
// (rendered into a buffer first, so no half page is sent).
func (s *Server) render(w http.ResponseWriter, status int, name string, p Page) error {
	t, ok := s.pages[name]
	if !ok {
		return statusError(http.StatusInternalServerError)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// errorData is the view model of the error page.
type errorData struct {
	Status int
}

// fail answers a handler's error: a list's refused cursor restarts the
// list (restartList); an API 401 (the session ended: the account was
// disabled) ends the session and goes to login; other statuses get the
// friendly error page in the user's language, a client error (4xx)
// keeping its status (pageStatus). The cause is logged, never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if restartList(w, r, err) {
		return
	}
	status := statusOf(err)
	if status == http.StatusUnauthorized {
		if v := s.sessionValue(r); v != "" {
			_ = s.sessions.end(r.Context(), v)
		}
		s.clearSessionCookie(w, r)
		s.toLogin(w, r)
		return
	}
	if status >= 500 {
		s.deps.Log.ErrorContext(r.Context(), "web page failed", "path", r.URL.Path, "err", err)
	}
	status = pageStatus(status)
	if rerr := s.render(w, status, "error", s.page(r, "error.title", errorData{Status: status})); rerr != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

// errorPages are the statuses the error page has words for; pageStatus
// maps any other client error to 400 and any other status to 500, so
// that no refusal of the API (4xx) is shown as the server's fault.
var errorPages = []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusGone,
	http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable}

func pageStatus(status int) int {
	switch {
	case slices.Contains(errorPages, status):
		return status
	case status >= 400 && status < 500:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// refuse answers a page the matrix refuses the caller's roles: the 403
// page, recorded in the audit trail first (fail closed: if the trail
// cannot be written, the answer is 503).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rt Route) {
	p := principalOf(r)
	e := audit.Entry{Time: s.deps.Now().UTC(), ActorSubject: p.Subject, ActorUsername: p.Username, Roles: audit.RoleNames(p.Roles),
		Action: string(rt.Action), Operation: "web " + rt.Method + " " + rt.Pattern, ResourceType: "page",
		Outcome: audit.OutcomeDenied, Status: http.StatusForbidden, ClientAddr: s.deps.ClientAddr(r)}
	if err := s.record(r.Context(), e); err != nil {
		s.fail(w, r, statusError(http.StatusServiceUnavailable))
		return
	}
	s.fail(w, r, statusError(http.StatusForbidden))
}

func (s *Server) record(ctx context.Context, e audit.Entry) error {
	if s.deps.Audit == nil {
		return nil
	}
	return s.deps.Audit.Record(ctx, e)
}

// urlQueryEscape escapes a query value.
func urlQueryEscape(v string) string { return url.QueryEscape(v) }

// localPath returns next when it is a path on this server ("/…", not
// "//…"), else "/": a login never redirects elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// locale picks the request's language (cookie, then Accept-Language).
func (s *Server) locale(r *http.Request) *i18n.Locale {
	lang := ""
	if c, err := r.Cookie(langCookie); err == nil {
		lang = c.Value
	}
	return s.bundle.Locale(i18n.Match(lang, r.Header.Get("Accept-Language")), nil)
}

// switchLanguage sets the language cookie (a year) and goes back.
func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) error {
	lang := i18n.Match(r.PostFormValue("lang"), "")
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.deps.Secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

// unitSymbol writes a UCUM unit code (the API's) as people read it:
// "Cel" is °C, and "1", UCUM's unity (binary and unitless readings),
// is nothing; every other code the platform uses (W, Wh, %, lx, hPa)
// is already its symbol. Source: UCUM, https://ucum.org/ucum.
func unitSymbol(code string) string {
	switch code {
	case "Cel":
		return "°C"
	case "1":
		return ""
	}
	return code
}
