// Package problem writes RFC 9457 problem details, the one error format
// of Serenade's HTTP interfaces. Types are stable URIs under
// https://serenade.invalid/problems/ so clients can switch on them.
package problem

import (
	"encoding/json"
	"net/http"
)

// TypeBase prefixes every problem type.
const TypeBase = "https://serenade.invalid/problems/"

// Details is an RFC 9457 problem document.
type Details struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Write sends a problem with the given status, type slug and detail. It
// has no instance member: the request's path is never echoed, as a path
// no route matches may carry whatever the client typed (a codice fiscale,
// a name), and huma's own errors carry none either.
func Write(w http.ResponseWriter, r *http.Request, status int, slug, detail string) {
	p := Details{Type: TypeBase + slug, Title: http.StatusText(status), Status: status, Detail: detail}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}
