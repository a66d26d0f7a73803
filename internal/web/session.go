package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// SessionStore keeps web sessions by the SHA-256 of their secret
// (store.DB on both backends).
type SessionStore interface {
	InsertWebSession(ctx context.Context, s store.WebSession) error
	WebSession(ctx context.Context, idHash []byte) (store.WebSession, error)
	TouchWebSession(ctx context.Context, idHash []byte, at time.Time) error
	DeleteWebSession(ctx context.Context, idHash []byte) error
	DeleteExpiredWebSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
}

// Defaults of a session's life.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
)

// touchEvery is how stale last_seen may get before a request writes it
// again: not one write per page view, and idle expiry is still
// exact to within a minute.
const touchEvery = time.Minute

// sessionManager creates, finds and ends sessions.
type sessionManager struct {
	store     SessionStore
	idle, max time.Duration
	now       func() time.Time
}

func newSessionManager(st SessionStore, idle, max time.Duration, now func() time.Time) *sessionManager {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	if max <= 0 {
		max = DefaultMaxAge
	}
	return &sessionManager{store: st, idle: idle, max: max, now: now}
}

// session is a live session of a request.
type session struct {
	store.WebSession
}

// newSecret returns 32 random bytes, base64url: a cookie's value.
func newSecret() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux ≥3.17
	return base64.RawURLEncoding.EncodeToString(b), b
}

// hashSecret is the id_hash of a cookie's value.
func hashSecret(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

// create stores a new session for p and returns the cookie's value. A new
// id at every login defeats session fixation.
func (m *sessionManager) create(ctx context.Context, p domain.Principal, issuer, idToken string) (string, error) {
	value, _ := newSecret()
	_, csrf := newSecret()
	now := m.now().UTC()
	err := m.store.InsertWebSession(ctx, store.WebSession{IDHash: hashSecret(value), Principal: p, Issuer: issuer,
		CSRF: csrf, IDToken: idToken, CreatedAt: now, LastSeen: now})
	return value, err
}

// errSessionStore is a failure to read the sessions: the request fails
// closed (503).
type errSessionStore struct{ error }

// find returns the live session of a cookie's value; expired ones are
// deleted and reported as absent. A store failure is errSessionStore.
func (m *sessionManager) find(ctx context.Context, value string) (*session, error) {
	if value == "" || len(value) > 64 {
		return nil, nil
	}
	s, err := m.store.WebSession(ctx, hashSecret(value))
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, errSessionStore{err}
	}
	now := m.now()
	if now.Sub(s.LastSeen) >= m.idle || now.Sub(s.CreatedAt) >= m.max {
		_ = m.store.DeleteWebSession(ctx, s.IDHash)
		return nil, nil
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := m.store.TouchWebSession(ctx, s.IDHash, now); err != nil {
			return nil, errSessionStore{err}
		}
	}
	return &session{s}, nil
}

// end deletes a session (logout).
func (m *sessionManager) end(ctx context.Context, value string) error {
	return m.store.DeleteWebSession(ctx, hashSecret(value))
}

// expire deletes every expired session.
func (m *sessionManager) expire(ctx context.Context) (int64, error) {
	now := m.now()
	return m.store.DeleteExpiredWebSessions(ctx, now.Add(-m.idle), now.Add(-m.max))
}

// Cookie names: with __Host- over TLS (Secure, path /, no domain: bound
// to this origin), a plain name over loopback HTTP.
const (
	sessionCookie = "serenade_session"
	langCookie    = "serenade_lang"
)

func (s *Server) cookieName(r *http.Request, name string) string {
	if s.deps.Secure(r) {
		return "__Host-" + name
	}
	return name
}

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Lax,
// Secure behind TLS, no Max-Age (the server decides expiry).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r, sessionCookie), Value: value, Path: "/",
		HttpOnly: true, Secure: s.deps.Secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r, sessionCookie), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.deps.Secure(r), SameSite: http.SameSiteLaxMode})
}

// sessionValue is the request's session cookie value, "" without one.
func (s *Server) sessionValue(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r, sessionCookie))
	if err != nil {
		return ""
	}
	return c.Value
}
