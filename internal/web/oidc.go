package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"serenade/internal/domain"
)

// OIDCLogin is the browser login with an OpenID Connect provider:
// authorization code with PKCE (S256), state and nonce kept in a
// short-lived signed cookie, the ID token verified with go-oidc and the
// access token with Serenade's own verifier (which maps its roles).
type OIDCLogin struct {
	Name     string // shown as "Sign in with <Name>"
	Issuer   string
	Provider *oidc.Provider
	// ClientID and ClientSecret are the client's at the provider.
	ClientID, ClientSecret string
	// AccessToken verifies an access token as the API does and returns
	// its principal (auth.Authenticator.AuthenticateToken).
	AccessToken func(ctx context.Context, token string) (domain.Principal, error)
	// CookieKey signs the login cookie (32 bytes; the same on every
	// replica).
	CookieKey []byte
	// Client makes the calls to the provider (nil: http.DefaultClient).
	Client *http.Client
	// Scopes are asked for at login (nil: openid, profile, email).
	Scopes []string
}

// oidcCookie carries a login in flight, for at most oidcFlowTTL.
const (
	oidcCookie  = "serenade_oidc"
	oidcFlowTTL = 10 * time.Minute
)

// oidcFlow is the state of a login in flight.
type oidcFlow struct {
	State, Nonce, Verifier, Next string
	Expires                      int64 // unix seconds
}

func (o *OIDCLogin) oauth2(redirect string) *oauth2.Config {
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: o.Provider.Endpoint(), RedirectURL: redirect, Scopes: scopes}
}

// endSessionURL is the provider's end_session_endpoint with the ID
// token as hint and where to come back, or "" when it has none.
func (o *OIDCLogin) endSessionURL(idToken, back string) string {
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if o.Provider.Claims(&meta) != nil || meta.EndSession == "" {
		return ""
	}
	q := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {back}, "client_id": {o.ClientID}}
	sep := "?"
	if strings.Contains(meta.EndSession, "?") {
		sep = "&"
	}
	return meta.EndSession + sep + q.Encode()
}

// seal signs a flow into a cookie value: base64url(JSON).base64url(HMAC).
func (o *OIDCLogin) seal(f oidcFlow) string {
	b, _ := json.Marshal(f)
	m := hmac.New(sha256.New, o.CookieKey)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// open checks a cookie value's signature and expiry.
func (o *OIDCLogin) open(v string, now time.Time) (oidcFlow, error) {
	var f oidcFlow
	body, sig, ok := strings.Cut(v, ".")
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return f, errors.New("malformed login cookie")
	}
	m := hmac.New(sha256.New, o.CookieKey)
	m.Write(b)
	if !hmac.Equal(got, m.Sum(nil)) || json.Unmarshal(b, &f) != nil || now.Unix() > f.Expires {
		return f, errors.New("login cookie invalid or expired")
	}
	return f, nil
}

// oidcStart sends the browser to the provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) error {
	o := s.deps.OIDC
	if o == nil {
		return statusError(http.StatusNotFound)
	}
	state, _ := newSecret()
	nonce, _ := newSecret()
	f := oidcFlow{State: state, Nonce: nonce, Verifier: oauth2.GenerateVerifier(), Next: localPath(r.FormValue("next")),
		Expires: s.deps.Now().Add(oidcFlowTTL).Unix()}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r, oidcCookie), Value: o.seal(f), Path: "/", MaxAge: int(oidcFlowTTL.Seconds()),
		HttpOnly: true, Secure: s.deps.Secure(r), SameSite: http.SameSiteLaxMode})
	u := o.oauth2(s.origin(r)+"/oidc/callback").AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(f.Verifier))
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// oidcCallback finishes the login: state, code exchange with the PKCE
// verifier, ID token (signature, audience, nonce), access token (roles).
// Any failure is the login page with a message; nothing is half done.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	o := s.deps.OIDC
	if o == nil {
		return statusError(http.StatusNotFound)
	}
	name := s.cookieName(r, oidcCookie)
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.deps.Secure(r), SameSite: http.SameSiteLaxMode})
	p, idToken, next, err := s.oidcFinish(r, o, name)
	if err != nil {
		s.deps.Log.WarnContext(r.Context(), "OIDC login failed", "err", err)
		d := s.loginData(r)
		d.Error = "login.oidc_failed"
		return s.render(w, http.StatusUnauthorized, "login", s.page(r, "login.title", d))
	}
	if err := s.startSession(w, r, p, o.Issuer, idToken); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) oidcFinish(r *http.Request, o *OIDCLogin, cookie string) (domain.Principal, string, string, error) {
	var none domain.Principal
	c, err := r.Cookie(cookie)
	if err != nil {
		return none, "", "", errors.New("no login in flight")
	}
	f, err := o.open(c.Value, s.deps.Now())
	if err != nil {
		return none, "", "", err
	}
	if e := r.FormValue("error"); e != "" {
		return none, "", "", errors.New("provider refused: " + e)
	}
	if !hmac.Equal([]byte(r.FormValue("state")), []byte(f.State)) {
		return none, "", "", errors.New("state mismatch")
	}
	ctx := r.Context()
	if o.Client != nil {
		ctx = oidc.ClientContext(ctx, o.Client)
	}
	tok, err := o.oauth2(s.origin(r)+"/oidc/callback").Exchange(ctx, r.FormValue("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return none, "", "", err
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := o.Provider.Verifier(&oidc.Config{ClientID: o.ClientID}).Verify(ctx, raw)
	if err != nil {
		return none, "", "", err
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(f.Nonce)) {
		return none, "", "", errors.New("nonce mismatch")
	}
	p, err := o.AccessToken(r.Context(), tok.AccessToken)
	return p, raw, f.Next, err
}
