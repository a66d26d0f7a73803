// Package web is Serenade's web UI: server-rendered pages (html/template,
// embedded) in Italian and English, for every role.
//
// The UI reads and writes through the REST API in process (see Client):
// a page builds an API request carrying the session's principal, the API
// handler serves it, and the page decodes the API's JSON into the API's
// own output types. So the access matrix, per-role views, pseudonyms,
// paging and the audit apply unchanged, and a page view is audited as the
// API read it makes.
//
// Pages are declared in one route table (routes.go); each page group has
// its own file (doctor.go, …), a view model type per page and a template
// per page under templates/. See docs/design.md, "How to add a page".
package web

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/web/i18n"
)

// Deps is what the web UI needs, built by the app.
type Deps struct {
	// API serves the REST API in process (api.API).
	API http.Handler
	// Sessions keeps the sessions (store.DB).
	Sessions SessionStore
	// Audit records the pages the UI itself refuses (403 before any API
	// call); every other page view is audited by the API call it makes.
	Audit audit.Sink
	// Secure tells whether a request reached the server over TLS (its own
	// or a trusted proxy's X-Forwarded-Proto): cookies are then Secure and
	// named __Host-….
	Secure func(*http.Request) bool
	// ClientAddr is the client's address for the audit trail.
	ClientAddr func(*http.Request) string
	// IdleTimeout and MaxAge bound a session (defaults 30 min and 12 h).
	IdleTimeout, MaxAge time.Duration
	// LocalLogin tells whether local accounts may log in (no OIDC).
	LocalLogin bool
	// MinParticipantAge places a codice fiscale's two-digit year in a
	// century for the live decoding, as the API does (0: the default).
	MinParticipantAge int
	// OIDC, when set, offers "Sign in with <provider>".
	OIDC *OIDCLogin
	Log  *slog.Logger
	Now  func() time.Time
}

// Server is the web UI's handler.
type Server struct {
	deps     Deps
	mux      *http.ServeMux
	pages    map[string]*template.Template // by template name
	bundle   *i18n.Bundle
	assets   *Assets
	routes   []Route
	sessions *sessionManager
}

// New builds the UI. It fails only on a broken template, message file or
// asset, which tests catch.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Secure == nil {
		d.Secure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if d.ClientAddr == nil {
		d.ClientAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	locales, _ := fs.Sub(embedded, "locales")
	bundle, err := i18n.Load(locales)
	if err != nil {
		return nil, err
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, mux: http.NewServeMux(), bundle: bundle, assets: assets,
		sessions: newSessionManager(d.Sessions, d.IdleTimeout, d.MaxAge, d.Now)}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	s.mount()
	return s, nil
}

// ServeHTTP serves a page, an asset or a form post.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// ExpireSessions deletes the sessions past their idle or absolute
// expiry; the app runs it now and then.
func (s *Server) ExpireSessions(ctx context.Context) (int64, error) { return s.sessions.expire(ctx) }

// principalOf is the principal of a request that went through the
// session layer.
func principalOf(r *http.Request) domain.Principal {
	p, _ := domain.PrincipalFrom(r.Context())
	return p
}
