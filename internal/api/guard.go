package api

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/httplimit"
	"serenade/internal/problem"
	"serenade/internal/telemetry"
)

// unmatched stands for the route of a request no route template matches:
// the raw path is never recorded, as it may carry a pseudonym or a pasted
// codice fiscale.
const unmatched = "unmatched"

// ServeHTTP is the outermost layer of the API. Before anything reads the
// request it sets the headers every answer carries, refuses oversized
// headers, ambiguous credentials and declared bodies over the route's
// limit, and bounds the body; every answer then passes through an
// auditing writer, so that no refusal — huma's decoding and validation
// errors included — is sent before its audit entry is durable.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	op, route, matched := a.match(r)
	ex := &exchange{op: op, base: a.baseEntry(r, op, route)}
	defer ex.finish()
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))
	aw := &auditedWriter{ResponseWriter: w, a: a, r: r, ex: ex}
	telemetry.SetRoute(r.Context(), route) // names spans and metrics; never the raw path
	if a.refused(aw, r, op) {
		return
	}
	switch {
	case matched:
		a.mux.ServeHTTP(aw, r)
	case route != unmatched:
		allow := strings.Join(a.allowedMethods(r), ", ")
		aw.Header().Set("Allow", allow)
		// The method is not echoed: it is whatever token the client typed.
		problem.Write(aw, r, problem.MethodNotAllowed, "this resource supports only "+allow)
	default:
		problem.Write(aw, r, problem.NotFound, "no such route")
	}
}

// refused answers the refusals decided before routing: oversized headers
// (431), two Authorization headers (400), an Accept that excludes JSON
// (406), a declared body over the route's limit (413). Otherwise it bounds the body and reports false.
func (a *API) refused(w http.ResponseWriter, r *http.Request, op *huma.Operation) bool {
	switch {
	case httplimit.HeadersTooLarge(r):
		httplimit.WriteHeadersTooLarge(w, r)
		return true
	case len(r.Header.Values("Authorization")) > 1:
		problem.Write(w, r, problem.Malformed, "more than one Authorization header")
		return true
	case !a.acceptable(r, op):
		problem.Write(w, r, problem.NotAcceptable,
			"this route answers application/json (errors application/problem+json), which Accept excludes")
		return true
	}
	limit := bodyLimit(op)
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close") // the body is not read
		problem.Write(w, r, problem.TooLarge,
			"the body is larger than the limit of "+strconv.FormatInt(limit, 10)+" bytes for this route")
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return false
}

// bodyLimit is the most a route may read from a body: its operation's
// MaxBodyBytes (form login, uploads, and huma's default for JSON), or the
// JSON limit for routes without an operation.
func bodyLimit(op *huma.Operation) int64 {
	if op != nil && op.MaxBodyBytes > 0 {
		return op.MaxBodyBytes
	}
	return httplimit.JSONBody
}

// match finds the route serving r: its operation (nil for huma's own
// documents) and route template. For a path served only for other
// methods it reports the template, unmatched; for any other path, the
// route unmatched. A path that is not in canonical form names no route:
// the router would answer it with a redirect to the cleaned path, an
// answer that is neither audited nor a problem, so it is a 404 instead.
func (a *API) match(r *http.Request) (op *huma.Operation, route string, matched bool) {
	if !CanonicalPath(r) {
		return nil, unmatched, false
	}
	if _, pattern := a.mux.Handler(r); pattern != "" {
		_, path, _ := strings.Cut(pattern, " ")
		return a.ops[pattern], path, true
	}
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if _, pattern := a.mux.Handler(probe(r, m)); pattern != "" {
			_, path, _ := strings.Cut(pattern, " ")
			return nil, path, false
		}
	}
	return nil, unmatched, false
}

func (a *API) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if _, pattern := a.mux.Handler(probe(r, m)); pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

// probe is r's target with another method, for asking the router; it
// copies no headers (they may be the oversized ones being refused).
func probe(r *http.Request, method string) *http.Request {
	return &http.Request{Method: method, URL: r.URL, Host: r.Host, Header: http.Header{}, RequestURI: r.RequestURI}
}

// CanonicalPath reports whether r's path is what the router would route
// without redirecting: absolute, with no empty, "." or ".." segment (a
// trailing slash is kept), exactly as ServeMux cleans the escaped path.
func CanonicalPath(r *http.Request) bool {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// indexOperations maps each ServeMux pattern huma registered to its
// operation, for match.
func (a *API) indexOperations() {
	a.ops = map[string]*huma.Operation{}
	for path, item := range a.huma.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
			http.MethodPut: item.Put, http.MethodDelete: item.Delete, http.MethodPatch: item.Patch} {
			if op != nil {
				a.ops[method+" "+path] = op
			}
		}
	}
}
