package web

import (
	"net/http"
	"net/url"
	"strings"

	"serenade/internal/domain"
)

// loginData is the view model of the login page.
type loginData struct {
	Username string // kept after a failed attempt; the password never is
	Next     string // where to go after login (a local path)
	Error    string // message id: login.failed, login.throttled, …
	Expired  bool   // the session ended mid-form: the input is kept in the browser
	Local    bool   // the local form is offered
	Provider string // "Sign in with <Provider>" when OIDC is configured
}

func (s *Server) loginData(r *http.Request) loginData {
	d := loginData{Next: localPath(r.FormValue("next")), Expired: r.FormValue("expired") != "", Local: s.deps.LocalLogin}
	if s.deps.OIDC != nil {
		d.Provider = s.deps.OIDC.Name
	}
	return d
}

// loginPage shows the login form (or goes home with a session).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if stateOf(r).sess != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, http.StatusOK, "login", s.page(r, "login.title", s.loginData(r)))
}

// loginSubmit checks a local login through the API's token endpoint in
// process: the same password check, throttle and audit entry as
// POST /api/v1/auth/token. On success a new session replaces any old one.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	d := s.loginData(r)
	d.Username = strings.TrimSpace(r.PostFormValue("username"))
	if !s.deps.LocalLogin {
		return statusError(http.StatusNotFound)
	}
	p, status := s.passwordLogin(r, d.Username, r.PostFormValue("password"))
	switch {
	case status == http.StatusOK:
	case status == http.StatusTooManyRequests:
		d.Error = "login.throttled"
	case status == http.StatusServiceUnavailable:
		d.Error = "login.busy"
	default:
		d.Error = "login.failed"
	}
	if d.Error != "" {
		return s.render(w, status, "login", s.page(r, "login.title", d))
	}
	if err := s.startSession(w, r, p, localIssuer, ""); err != nil {
		return err
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

// localIssuer names local logins in the session row.
const localIssuer = "serenade-local"

// passwordLogin asks the API for a token with the password grant, then
// who it belongs to (GET /me with it). It returns the principal and the
// token endpoint's status (200 on success).
func (s *Server) passwordLogin(r *http.Request, username, password string) (domain.Principal, int) {
	form := url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.client(r).form("/auth/token", form, &tok); err != nil {
		return domain.Principal{}, statusOf(err)
	}
	var me struct {
		Subject  string        `json:"subject"`
		Username string        `json:"username"`
		Roles    []domain.Role `json:"roles"`
	}
	if err := s.client(r).bearer(tok.AccessToken).Get("/me", nil, &me); err != nil {
		return domain.Principal{}, statusOf(err)
	}
	return domain.Principal{Subject: me.Subject, Username: me.Username, Roles: me.Roles}, http.StatusOK
}

// startSession ends the request's old session, if any, and starts a new
// one (a new id at every login: no fixation).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, p domain.Principal, issuer, idToken string) error {
	if old := s.sessionValue(r); old != "" {
		_ = s.sessions.end(r.Context(), old)
	}
	value, err := s.sessions.create(r.Context(), p, issuer, idToken)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, value)
	return nil
}

// logout deletes the session row; an OIDC session goes on to the
// provider's end_session_endpoint (RP-initiated logout).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if v := s.sessionValue(r); v != "" {
		if err := s.sessions.end(r.Context(), v); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	if st.sess != nil && st.sess.IDToken != "" && s.deps.OIDC != nil {
		if u := s.deps.OIDC.endSessionURL(st.sess.IDToken, s.origin(r)+"/logged-out"); u != "" {
			http.Redirect(w, r, u, http.StatusSeeOther)
			return nil
		}
	}
	http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
	return nil
}

// loggedOut confirms the logout.
func (s *Server) loggedOut(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "loggedout", s.page(r, "logout.title", nil))
}

// origin is this server's scheme and host as the browser sees it.
func (s *Server) origin(r *http.Request) string {
	if s.deps.Secure(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// accountData is the view model of the account page.
type accountData struct {
	Username, Subject string
	Roles             []string
}

// accountPage shows who is logged in (GET /me through the API).
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	var me struct {
		Subject  string        `json:"subject"`
		Username string        `json:"username"`
		Roles    []domain.Role `json:"roles"`
	}
	if err := s.client(r).Get("/me", nil, &me); err != nil {
		return err
	}
	d := accountData{Username: me.Username, Subject: me.Subject}
	for _, role := range me.Roles {
		d.Roles = append(d.Roles, string(role))
	}
	return s.render(w, http.StatusOK, "account", s.page(r, "account.title", d))
}
