package web

import (
	"net/http"

	"serenade/internal/access"
)

// Route is one page or form of the UI.
//
// Action is the access-matrix action the page needs: the navigation shows
// the page only to roles it allows, and the server refuses the page (403
// page, audited) to the others before the handler runs. Public routes
// (login) have Public set and no Action. Nav, when set, is the message id
// of the page's entry in the navigation, in the order of the table.
type Route struct {
	Method, Pattern string // a ServeMux pattern's method and path, e.g. GET /patients/{id}
	Action          access.Action
	Public          bool
	// OriginOnly skips the CSRF token (the origin is still checked): the
	// login form, posted before a session exists.
	OriginOnly bool
	Nav        string
	Handler    func(w http.ResponseWriter, r *http.Request) error
}

// routeTable lists every page and form. Add a page group's routes here
// (see docs/design.md, "How to add a page").
func (s *Server) routeTable() []Route {
	var rs []Route
	rs = append(rs, s.publicRoutes()...)
	rs = append(rs, s.doctorRoutes()...)
	rs = append(rs, s.installerRoutes()...)
	rs = append(rs, s.ticketRoutes()...)
	rs = append(rs, s.documentRoutes()...)
	rs = append(rs, s.tokenRoutes()...)
	rs = append(rs, s.researchRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.commonRoutes()...)
	return rs
}

// publicRoutes are reachable without a session: login, logout, the
// language switch.
func (s *Server) publicRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/login", Public: true, Handler: s.loginPage},
		{Method: http.MethodPost, Pattern: "/login", Public: true, OriginOnly: true, Handler: s.loginSubmit},
		{Method: http.MethodPost, Pattern: "/logout", Public: true, Handler: s.logout},
		{Method: http.MethodPost, Pattern: "/lang", Public: true, Handler: s.switchLanguage},
		{Method: http.MethodGet, Pattern: "/oidc/login", Public: true, Handler: s.oidcStart},
		{Method: http.MethodGet, Pattern: "/oidc/callback", Public: true, Handler: s.oidcCallback},
		{Method: http.MethodGet, Pattern: "/logged-out", Public: true, Handler: s.loggedOut},
	}
}

// commonRoutes are every role's: the home redirect and the account page.
func (s *Server) commonRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/{$}", Action: access.Self, Handler: s.home},
		{Method: http.MethodGet, Pattern: "/account", Action: access.Self, Nav: "nav.account", Handler: s.accountPage},
	}
}

// navItem is one entry of the navigation. Action, the matrix action the
// page needs, is written on the link (data-action) so that the browser
// tests can ask the matrix about every link a role is shown.
type navItem struct {
	Label, Href string
	Action      access.Action
	Current     bool
}

// nav builds the navigation of a request from the route table and the
// access matrix: a GET route with Nav whose action the roles allow.
func (s *Server) nav(r *http.Request) []navItem {
	p := principalOf(r)
	var out []navItem
	for _, rt := range s.routes {
		if rt.Nav == "" || rt.Method != http.MethodGet || !access.Allows(p.Roles, rt.Action) {
			continue
		}
		out = append(out, navItem{Label: rt.Nav, Href: rt.Pattern, Action: rt.Action, Current: r.Pattern == rt.Method+" "+rt.Pattern})
	}
	return out
}

// home sends the caller to the first page of its navigation.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	for _, n := range s.nav(r) {
		http.Redirect(w, r, n.Href, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}
