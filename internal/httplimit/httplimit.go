// Package httplimit holds the size limits of what Serenade reads from a
// request, and the header check every handler shares.
//
// Go's server cuts off request headers at http.Server.MaxHeaderBytes
// with a text/plain 431 of its own, written before any handler runs. The
// server's hard limit is therefore set well above the real one
// (HardMaxHeaderBytes), and the real limit (MaxHeaderBytes) is enforced
// by handlers, which answer problem+json and, on the API, audit the
// refusal. Only requests beyond the hard limit get Go's own answer.
package httplimit

import (
	"net/http"

	"serenade/internal/problem"
)

const (
	// MaxHeaderBytes bounds a request's line and headers. 32 KiB is what
	// common reverse proxies accept (nginx: 4 × 8 KiB) and leaves room for
	// large identity-provider tokens.
	MaxHeaderBytes = 32 << 10
	// HardMaxHeaderBytes is the server's own cut-off (http.Server's
	// MaxHeaderBytes): beyond it Go answers 431 text/plain itself and
	// closes the connection. Headers are held in memory while they are
	// read, at most ReadHeaderTimeout long.
	HardMaxHeaderBytes = 8 << 20

	// FormBody bounds a form body (login).
	FormBody = 64 << 10
	// JSONBody bounds a JSON body (huma's default limit, kept).
	JSONBody = 1 << 20
	// MultipartOverhead is what a multipart body may carry on top of its
	// file: boundaries, part headers, small fields.
	MultipartOverhead = 64 << 10
)

// HeaderBytes is the size of the request line and headers as the client
// sent them (each header line "Name: value\r\n").
func HeaderBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" && r.Header.Get("Host") == "" {
		n += len("Host: ") + len(r.Host) + 2 // Go moves Host out of the map
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}

// HeadersTooLarge reports whether the request's headers exceed the limit.
func HeadersTooLarge(r *http.Request) bool { return HeaderBytes(r) > MaxHeaderBytes }

// WriteHeadersTooLarge answers 431 as a problem document.
func WriteHeadersTooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	problem.Write(w, r, problem.HeadersTooLarge,
		"the request headers are larger than the limit of 32 KiB")
}

// Headers refuses requests whose headers exceed MaxHeaderBytes before h
// sees them; for handlers outside the API (health, readiness, docs),
// whose refusals are not audited.
func Headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if HeadersTooLarge(r) {
			WriteHeadersTooLarge(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
