package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf"

// csrfToken is the form token of a session: an HMAC of a fixed label
// under the session's CSRF secret, base64url (43 characters). It is the
// same on every form of a session, and useless without the session.
func csrfToken(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("serenade web form v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// crossOrigin is net/http's cross-origin check: a browser's
// Sec-Fetch-Site (or, from older browsers, Origin against Host) must say
// the request came from this origin. It works under Referrer-Policy
// no-referrer, where a browser's form post carries "Origin: null".
var crossOrigin = http.NewCrossOriginProtection()

// csrfOK checks a state-changing request: a browser must have sent it
// from this origin, and its form field must be the session's token
// (compared in constant time). secret nil (no session yet) checks the
// origin only: the login form.
func (s *Server) csrfOK(r *http.Request, secret []byte) bool {
	if crossOrigin.Check(r) != nil {
		return false
	}
	if secret == nil {
		return true
	}
	got := r.PostFormValue(csrfField)
	want := csrfToken(secret)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// methodChanges reports whether a method may change state (all but
// GET and HEAD); GET never changes state in the UI.
func methodChanges(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}
