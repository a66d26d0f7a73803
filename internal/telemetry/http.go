package telemetry

import (
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// RequestIDHeader carries the request id, in and out.
const RequestIDHeader = "X-Request-Id"

// Unmatched is the route of a request that no route template matched.
const Unmatched = "unmatched"

// requestIDAttr is the span attribute of the request id.
const requestIDAttr = "serenade.request_id"

// upstreamIDAttr is the span attribute of a trusted proxy's request id.
const upstreamIDAttr = "serenade.upstream_request_id"

// request is what the middleware keeps about one request in its context;
// handlers name the route through SetRoute.
type request struct {
	id       string
	upstream string // the X-Request-Id a trusted proxy sent, if well-formed

	mu    sync.Mutex
	route string
}

type requestKey struct{}

func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// SetRoute names the route template of the request in flight (for
// example /api/v1/patients/{patient}), which names its span and labels its
// metrics. Never pass a raw path: it carries ids and pseudonyms. Outside
// Middleware it does nothing.
func SetRoute(ctx context.Context, route string) {
	if r := requestFrom(ctx); r != nil {
		r.mu.Lock()
		r.route = route
		r.mu.Unlock()
	}
}

// route returns the route set by SetRoute, or "" if none was.
func (r *request) getRoute() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.route
}

// RequestID is the id of the request in flight ("" outside Middleware).
func RequestID(ctx context.Context) string {
	if r := requestFrom(ctx); r != nil {
		return r.id
	}
	return ""
}

// upstreamRequestID is the X-Request-Id a trusted proxy sent with the
// request in flight ("" when none, or from an untrusted peer).
func upstreamRequestID(ctx context.Context) string {
	if r := requestFrom(ctx); r != nil {
		return r.upstream
	}
	return ""
}

// TraceID is the trace id of the span in ctx in hex ("" when none).
func TraceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// validRequestID accepts an upstream X-Request-Id of 1 to 64 characters
// of [A-Za-z0-9._-].
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Middleware traces and measures every request. The request id is always
// made here (and echoed in X-Request-Id): the audit trail keeps it, so a
// client must not choose it — it could write a codice fiscale into the
// trail or reuse another request's id. An incoming trace (traceparent,
// baggage) is continued, and a well-formed incoming X-Request-Id kept as
// the span and log attribute upstream_request_id, only when the peer is a
// trusted proxy (Options.TrustedPeer); from anyone else both are ignored
// and the request starts a trace of its own. next runs under a SERVER
// span. When the request is done the span is named "METHOD route" after
// the route template (SetRoute, or the exact ServeMux pattern that
// matched), and serenade_http_request_duration_seconds{route,method,status}
// observes it. Only the method, route, status and request ids are
// recorded: never the path, the query, other headers or bodies.
func (t *Telemetry) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := rand.Text()
		w.Header().Set(RequestIDHeader, id)
		info := &request{id: id}
		method := normalMethod(r.Method)
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method), attribute.String(requestIDAttr, id)}

		ctx := r.Context()
		if t.trustedPeer != nil && t.trustedPeer(r.RemoteAddr) {
			ctx = t.propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
			if up := r.Header.Get(RequestIDHeader); validRequestID(up) {
				info.upstream = up
				attrs = append(attrs, attribute.String(upstreamIDAttr, up))
			}
		}
		ctx = context.WithValue(ctx, requestKey{}, info)
		ctx, span := t.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(ctx)

		finish := func(status int) {
			route := info.getRoute()
			if route == "" {
				route = patternRoute(r.Pattern)
			}
			if route != "" {
				span.SetName(method + " " + route)
				span.SetAttributes(semconv.HTTPRoute(route))
			} else {
				route = Unmatched
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			span.End()
			obs := t.httpDuration.WithLabelValues(route, method, strconv.Itoa(status))
			d := time.Since(start).Seconds()
			if sc := span.SpanContext(); sc.IsSampled() {
				if eo, ok := obs.(prometheus.ExemplarObserver); ok {
					eo.ObserveWithExemplar(d, prometheus.Labels{"trace_id": sc.TraceID().String()})
					return
				}
			}
			obs.Observe(d)
		}
		defer func() {
			if p := recover(); p != nil {
				finish(http.StatusInternalServerError)
				panic(p) // net/http logs it and closes the connection
			}
		}()
		next.ServeHTTP(sw, r)
		finish(sw.code())
	})
}

// patternRoute turns the ServeMux pattern that matched ("GET /healthz")
// into a route. Subtree patterns ("/", "/api/v1/") match anything below
// them, so they name no route: their handlers call SetRoute instead.
func patternRoute(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		pattern = p
	}
	if !strings.HasPrefix(pattern, "/") || strings.HasSuffix(pattern, "/") {
		return ""
	}
	return pattern
}

// normalMethod bounds the method label to the standard methods.
func normalMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// statusWriter remembers the status code of the response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx are interim
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets handlers stream through the wrapper.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
