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

// Write sends the problem of kind k (its status, type and title from the
// error table) with detail. It has no instance member: the request's path
// is never echoed, as a path no route matches may carry whatever the
// client typed (a codice fiscale, a name), and huma's own errors carry
// none either.
func Write(w http.ResponseWriter, r *http.Request, k Kind, detail string) {
	e := Of(k)
	p := Details{Type: e.Type(), Title: e.Title, Status: e.Status, Detail: detail}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(p)
}
