package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"serenade/internal/access"
	"serenade/internal/api"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/domain"
	"serenade/internal/telemetry"
	"serenade/internal/web/i18n"
)

// reqState is what the middleware learnt of a request: its locale and,
// once authenticated, its session.
type reqState struct {
	loc  *i18n.Locale
	sess *session
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	st, _ := r.Context().Value(stateKey{}).(*reqState)
	return st
}

// mount registers the route table, the assets and the 404 page.
func (s *Server) mount() {
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.Handle("/", s.wrap(Route{Public: true, Pattern: "unmatched", Handler: s.notFound}))
}

// notFound serves an asset, or the 404 page (audited like the API's
// answer to a path it does not know).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.assets.serve(w, r) {
		telemetry.SetRoute(r.Context(), assetPrefix)
		return nil
	}
	if !wantsHTML(r) {
		// An API client or a probe that missed its path: the API answers
		// (404 problem+json, audited) as it did before the UI existed.
		s.deps.API.ServeHTTP(w, r)
		return nil
	}
	p := principalOf(r)
	e := audit.Entry{Time: s.deps.Now().UTC(), ActorSubject: p.Subject, ActorUsername: p.Username, Roles: audit.RoleNames(p.Roles),
		Operation: api.MethodName(r.Method) + " unmatched", ResourceType: "page", Outcome: audit.OutcomeDenied, Status: http.StatusNotFound, ClientAddr: s.deps.ClientAddr(r)}
	if err := s.record(r.Context(), e); err != nil {
		return statusError(http.StatusServiceUnavailable)
	}
	return statusError(http.StatusNotFound)
}

// wantsHTML reports whether the client accepts an HTML page: browsers
// send text/html in Accept; API clients and probes do not.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}

// wrap runs a route: security headers, the locale, the session (a page
// that needs one sends the browser to /login), the matrix check (403
// page, audited), the CSRF check on state-changing methods, then the
// handler; an error it returns becomes an error page.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), rt.Pattern) // a route template, never the path as sent
		pageHeaders(w)
		st := &reqState{loc: s.locale(r)}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if err := s.authenticate(r, st, !rt.Public); err != nil {
			s.fail(w, r, err)
			return
		}
		if !rt.Public {
			if st.sess == nil {
				s.toLogin(w, r)
				return
			}
			if !access.Allows(st.sess.Principal.Roles, rt.Action) {
				s.refuse(w, r, rt)
				return
			}
		}
		if methodChanges(r) && !s.csrfOK(r, csrfSecret(st, rt)) {
			s.fail(w, r, statusError(http.StatusForbidden))
			return
		}
		if err := rt.Handler(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// authenticate finds the request's session and puts its principal in the
// context: for the pages (domain) and, on pages that need a session, for
// the in-process API calls (auth.WithSessionPrincipal, which no HTTP
// client can set). Public routes never call the API as the session (the
// login's calls carry their own token).
func (s *Server) authenticate(r *http.Request, st *reqState, forAPI bool) error {
	sess, err := s.sessions.find(r.Context(), s.sessionValue(r))
	if err != nil {
		s.deps.Log.ErrorContext(r.Context(), "web session lookup failed", "err", err)
		return statusError(http.StatusServiceUnavailable)
	}
	if sess == nil {
		return nil
	}
	st.sess = sess
	ctx := domain.WithPrincipal(r.Context(), sess.Principal)
	if forAPI {
		ctx = auth.WithSessionPrincipal(ctx, sess.Principal)
	}
	*r = *r.WithContext(ctx)
	return nil
}

// csrfSecret is the secret a route's form token is checked against (nil:
// no token, the origin only).
func csrfSecret(st *reqState, rt Route) []byte {
	if st.sess == nil || rt.OriginOnly {
		return nil
	}
	return st.sess.CSRF
}

// toLogin sends a browser without a session to the login page, which
// comes back to the page asked for.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + urlQueryEscape(r.URL.RequestURI())
	} else if r.Method != http.MethodGet {
		target += "?expired=1&next=" + urlQueryEscape(r.URL.Path)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// statusErr is an error answered with an error page of its status.
type statusErr struct{ status int }

func (e statusErr) Error() string { return http.StatusText(e.status) }

func statusError(status int) error { return statusErr{status} }

// statusOf maps a handler's error to the error page's status: an API
// problem keeps its status, anything else is a 500.
func statusOf(err error) int {
	var se statusErr
	if errors.As(err, &se) {
		return se.status
	}
	var p *Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return http.StatusInternalServerError
}
