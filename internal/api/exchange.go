package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/problem"
	"serenade/internal/resource"
)

// baseEntry is what is known of a request before it is authenticated:
// its operation, or its method and route template (or unmatched).
func (a *API) baseEntry(r *http.Request, op *huma.Operation, route string) audit.Entry {
	ctx := r.Context()
	e := audit.Entry{RequestID: a.deps.RequestID(ctx), TraceID: a.deps.TraceID(ctx), ClientAddr: a.deps.ClientAddr(r)}
	if op == nil {
		e.Operation = MethodName(r.Method) + " " + route
		return e
	}
	action, _ := op.Metadata[metaAction].(access.Action)
	e.Action, e.Operation, e.ResourceType = string(action), operationName(r.Method, op), string(resourceType(op))
	if op.Metadata[publicOp] == true {
		e.Action, e.ResourceType = "auth.login", string(resource.Session)
	}
	return e
}

// operationName is how the trail names a request that matched op: its
// operation id, except for HEAD, which the router serves with the GET
// operation (same action and access check, no body sent) and which is
// recorded as "HEAD route" so that the trail shows the method used.
func operationName(method string, op *huma.Operation) string {
	if method == http.MethodHead && op.Method == http.MethodGet {
		return http.MethodHead + " " + op.Path
	}
	return op.OperationID
}

// MethodName is the method as recorded: a standard method as itself,
// anything else as OTHER. A method is any token the client types, and a
// client could type a codice fiscale or a name there: it is never
// recorded, logged or echoed.
func MethodName(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return m
	}
	return otherMethod
}

// otherMethod stands for every method that is not a standard one.
const otherMethod = "OTHER"

// exchange is one API request's audit state: what the outer layer knows,
// the event the authentication middleware started, and whether its entry
// was written (or could not be).
type exchange struct {
	op       *huma.Operation
	base     audit.Entry
	event    *audit.Event
	recorded bool
	failed   bool
	done     []func() // run once the request is answered (upload memory)
}

// onDone runs f once the request has been answered.
func (ex *exchange) onDone(f func()) { ex.done = append(ex.done, f) }

// finish runs what the request asked to run once it was answered.
func (ex *exchange) finish() {
	for _, f := range ex.done {
		f()
	}
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// markingRecorder notes on the request's exchange that its entry was
// written, or could not be: every entry of a request goes through it.
type markingRecorder struct{ audit.Sink }

func (m markingRecorder) Record(ctx context.Context, e audit.Entry) error {
	err := m.Sink.Record(ctx, e)
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
// recorded: from the authentication middleware's event when there is one,
// else from what the outer layer knows, with the actor of a valid token.
func (a *API) recordRefusal(ctx context.Context, r *http.Request, ex *exchange, status int) error {
	ctx, cancel := detached(ctx, audit.RecordBound)
	defer cancel()
	if ex.event != nil {
		return a.rec.Record(ctx, ex.event, status)
	}
	e := ex.base
	e.Time = a.deps.Now()
	if ex.op == nil || ex.op.Metadata[publicOp] != true {
		if p, ok := a.actorOf(ctx, r); ok {
			e.ActorSubject, e.ActorUsername, e.Roles = p.Subject, p.Username, audit.RoleNames(p.Roles)
		}
	}
	e.Status, e.Outcome = status, audit.OutcomeOf(status)
	return a.rec.Write(ctx, e)
}

// actorOf is the principal of the request's one valid bearer token.
func (a *API) actorOf(ctx context.Context, r *http.Request) (domain.Principal, bool) {
	if len(r.Header.Values("Authorization")) != 1 {
		return domain.Principal{}, false
	}
	p, err := a.deps.Auth.Authenticate(ctx, r)
	return p, err == nil
}

// refusalRecordTimeout bounds the wait for a refusal's audit entry once
// it no longer depends on the client.
const refusalRecordTimeout = 10 * time.Second

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
		// Not the request's context: a body that timed out, or a client
		// gone, has cancelled it, and the refusal is recorded all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(w.r.Context()), refusalRecordTimeout)
		_ = w.a.recordRefusal(ctx, w.r, w.ex, status)
		cancel()
	}
	if w.ex.failed && status != http.StatusServiceUnavailable {
		w.swallow = true
		for _, k := range []string{"Content-Length", "Content-Disposition", "Content-Type", "Allow"} {
			w.Header().Del(k)
		}
		problem.Write(w.ResponseWriter, w.r, problem.Unavailable, errAuditUnavailable().Error())
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
