package api

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/domain"
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
		aw.Header().Set("Allow", strings.Join(a.allowedMethods(r), ", "))
		problem.Write(aw, r, http.StatusMethodNotAllowed, "method-not-allowed", "this resource does not support "+r.Method)
	default:
		problem.Write(aw, r, http.StatusNotFound, "not-found", "no such route")
	}
}

// refused answers the refusals decided before routing: oversized headers
// (431), two Authorization headers (400), a declared body over the
// route's limit (413). Otherwise it bounds the body and reports false.
func (a *API) refused(w http.ResponseWriter, r *http.Request, op *huma.Operation) bool {
	switch {
	case httplimit.HeadersTooLarge(r):
		httplimit.WriteHeadersTooLarge(w, r)
		return true
	case len(r.Header.Values("Authorization")) > 1:
		problem.Write(w, r, http.StatusBadRequest, "invalid", "more than one Authorization header")
		return true
	}
	limit := bodyLimit(op)
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close") // the body is not read
		problem.Write(w, r, http.StatusRequestEntityTooLarge, "too-large",
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
// route unmatched.
func (a *API) match(r *http.Request) (op *huma.Operation, route string, matched bool) {
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

// baseEntry is what is known of a request before it is authenticated:
// its operation, or its method and route template (or unmatched).
func (a *API) baseEntry(r *http.Request, op *huma.Operation, route string) audit.Entry {
	ctx := r.Context()
	e := audit.Entry{RequestID: a.deps.RequestID(ctx), TraceID: a.deps.TraceID(ctx), ClientAddr: remoteIP(r.RemoteAddr)}
	if op == nil {
		e.Operation = methodName(r.Method) + " " + route
		return e
	}
	action, _ := op.Metadata[metaAction].(access.Action)
	e.Action, e.Operation, e.ResourceType = string(action), op.OperationID, resourceType(op)
	if op.Metadata[publicOp] == true {
		e.Action, e.ResourceType = "auth.login", "session"
	}
	return e
}

// methodName is the method as recorded: methods are tokens of any length,
// so an unusual one is cut short.
func methodName(m string) string {
	if len(m) > 16 {
		return m[:16]
	}
	return m
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// exchange is one API request's audit state: what the outer layer knows,
// the note the authentication middleware filled, and whether its entry
// was written (or could not be).
type exchange struct {
	op       *huma.Operation
	base     audit.Entry
	note     *auditNote
	recorded bool
	failed   bool
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// markingRecorder notes on the request's exchange that its entry was
// written, or could not be: every entry of a request goes through it.
type markingRecorder struct{ Recorder }

func (m markingRecorder) Record(ctx context.Context, e audit.Entry) error {
	err := m.Recorder.Record(ctx, e)
	if ex := exchangeFrom(ctx); ex != nil {
		if err != nil {
			ex.failed = true
		} else {
			ex.recorded = true
		}
	}
	return err
}

// recordRefusal writes the entry of a refusal no operation wrapper
// recorded: from the authentication middleware's note when there is one,
// else from what the outer layer knows, with the actor of a valid token.
func (a *API) recordRefusal(ctx context.Context, r *http.Request, ex *exchange, status int) error {
	if ex.note != nil {
		return a.record(ctx, ex.note, status)
	}
	e := ex.base
	e.Time = a.deps.Now()
	if ex.op == nil || ex.op.Metadata[publicOp] != true {
		if p, ok := a.actorOf(r); ok {
			e.ActorSubject, e.ActorUsername, e.Roles = p.Subject, p.Username, roleNames(p.Roles)
		}
	}
	e.Status, e.Outcome = status, outcome(status)
	return a.deps.Audit.Record(ctx, e)
}

// actorOf is the principal of the request's one valid bearer token.
func (a *API) actorOf(r *http.Request) (domain.Principal, bool) {
	if len(r.Header.Values("Authorization")) != 1 {
		return domain.Principal{}, false
	}
	p, err := a.deps.Auth.Authenticate(r.Context(), r)
	return p, err == nil
}

// auditedWriter writes a refusal's audit entry before its status line:
// whatever answers an API request with an error — huma's decoding and
// validation, the router, a handler — is recorded here unless it was
// already. If the entry cannot be written the answer becomes 503.
type auditedWriter struct {
	http.ResponseWriter
	a       *API
	r       *http.Request
	ex      *exchange
	wrote   bool
	swallow bool // the original answer is replaced by a 503
}

func (w *auditedWriter) WriteHeader(status int) {
	if w.wrote || status < 200 {
		if status < 200 {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	w.wrote = true
	if status >= 400 && !w.ex.recorded && !w.ex.failed {
		_ = w.a.recordRefusal(w.r.Context(), w.r, w.ex, status)
	}
	if w.ex.failed && status != http.StatusServiceUnavailable {
		w.swallow = true
		for _, k := range []string{"Content-Length", "Content-Disposition", "Content-Type", "Allow"} {
			w.Header().Del(k)
		}
		problem.Write(w.ResponseWriter, w.r, http.StatusServiceUnavailable, "unavailable", errAuditUnavailable().Error())
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *auditedWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *auditedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends what was written so far.
func (w *auditedWriter) Flush() {
	if w.swallow {
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
