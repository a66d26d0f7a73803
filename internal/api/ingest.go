package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"serenade/internal/httplimit"
	"serenade/internal/ingest"
	"serenade/internal/problem"
	"serenade/internal/telemetry"
)

// IngestPath is the HTTP ingest route (SPEC §8: ingestion under
// /ingest/v1/). It is not a user route: it authenticates by ingest token
// only, no user token or session reaches it, and an ingest token reaches
// nothing else.
const IngestPath = "/ingest/v1/readings"

// IngestPrefix is what the ingest handler serves: every path under it.
const IngestPrefix = "/ingest/v1/"

// MaxIngestBody bounds the body as sent (compressed or not); the parser
// bounds it again once decompressed (ingest.Limits.MaxBytes).
const MaxIngestBody = 8 << 20

// Ingester accepts sensor batches and manages ingest tokens: the ingest
// service, as the API sees it.
type Ingester interface {
	IngestTokens
	Accept(ctx context.Context, token string, payload io.Reader, o ingest.Options) (ingest.Ack, error)
	RecordRefusal(ctx context.Context, token string, status int, o ingest.Options) error
}

// IngestHandler serves IngestPrefix. Every answer is recorded in the
// audit trail before it is sent: by Accept for the batches it judges, by
// RecordRefusal for what is refused before (wrong path or method, media
// type, encoding, declared size).
func (a *API) IngestHandler() http.Handler {
	return http.HandlerFunc(a.serveIngest)
}

func (a *API) serveIngest(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	route := IngestPath
	if r.URL.EscapedPath() != IngestPath {
		route = IngestPrefix + unmatched
	}
	telemetry.SetRoute(r.Context(), route)
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	o := ingest.Options{Operation: "ingest-readings", RequestID: a.deps.RequestID(r.Context()), TraceID: a.deps.TraceID(r.Context()),
		ClientAddr: a.deps.ClientAddr(r)}
	if status, kind, msg := ingestRefusal(r); status != 0 {
		if status == http.StatusMethodNotAllowed {
			h.Set("Allow", http.MethodPost)
		}
		if status == http.StatusRequestEntityTooLarge {
			h.Set("Connection", "close") // the body is not read
		}
		if err := a.deps.Ingest.RecordRefusal(r.Context(), token, status, o); err != nil {
			kind, msg = problem.Unavailable, errAuditUnavailable().Error()
		}
		problem.Write(w, r, kind, msg)
		return
	}
	// A gateway that trickles its body does not hold the request for ever.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(a.deps.BodyReadTimeout))
	o.Gzip = r.Header.Get("Content-Encoding") == "gzip"
	body := &ingestBody{r: http.MaxBytesReader(w, r.Body, MaxIngestBody)}
	ack, err := a.deps.Ingest.Accept(r.Context(), token, body, o)
	if err != nil {
		a.ingestProblem(w, r, err)
		return
	}
	h.Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ack)
}

// ingestRefusal is what is refused before the batch is read: a path
// other than IngestPath (404), a method other than POST (405), oversized
// headers (431), two Authorization headers (400), a media type other
// than JSON or NDJSON (415), an encoding other than gzip or identity
// (415), a declared body over MaxIngestBody (413).
func ingestRefusal(r *http.Request) (int, problem.Kind, string) {
	switch {
	case r.URL.EscapedPath() != IngestPath:
		return http.StatusNotFound, problem.NotFound, "no such route"
	case r.Method != http.MethodPost:
		return http.StatusMethodNotAllowed, problem.MethodNotAllowed, "this resource supports only POST"
	case httplimit.HeadersTooLarge(r):
		return http.StatusRequestHeaderFieldsTooLarge, problem.HeadersTooLarge, "the request's headers are too large"
	case len(r.Header.Values("Authorization")) > 1:
		return http.StatusBadRequest, problem.Malformed, "more than one Authorization header"
	case !ingestMediaType(r.Header.Get("Content-Type")):
		return http.StatusUnsupportedMediaType, problem.UnsupportedMediaType, "send application/json (an array) or application/x-ndjson"
	case !ingestEncoding(r.Header.Values("Content-Encoding")):
		return http.StatusUnsupportedMediaType, problem.UnsupportedMediaType, "the body may be sent as is or gzip-compressed (Content-Encoding: gzip)"
	case r.ContentLength > MaxIngestBody:
		return http.StatusRequestEntityTooLarge, problem.TooLarge, "the body is larger than " + strconv.Itoa(MaxIngestBody) + " bytes"
	}
	return 0, "", ""
}

func ingestMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || mt == "application/x-ndjson")
}

func ingestEncoding(vs []string) bool {
	switch len(vs) {
	case 0:
		return true
	case 1:
		return vs[0] == "gzip" || vs[0] == "identity"
	}
	return false
}

// ingestBody turns the transport's read errors into ingest's: a body
// over MaxIngestBody is too large, any other failure a body that could
// not be read.
type ingestBody struct{ r io.Reader }

func (b *ingestBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mb *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF):
	case errors.As(err, &mb):
		err = &ingest.TooLargeError{What: "the body is larger than " + strconv.Itoa(MaxIngestBody) + " bytes"}
	default:
		err = &ingest.BadEncodingError{Reason: "the body could not be read"}
	}
	return n, err
}

// itemProblem is a problem naming the first bad item of a batch.
type itemProblem struct {
	problem.Details
	Item *ingestItem `json:"item,omitempty"`
}

type ingestItem struct {
	Index  int    `json:"index" doc:"0-based position of the first bad item."`
	Field  string `json:"field,omitempty" doc:"stream, time, value, kind, unit or cadence_s; absent when the item as a whole is bad."`
	Reason string `json:"reason"`
}

// ingestProblem answers an Accept error as problem+json.
func (a *API) ingestProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := ingest.StatusOf(err)
	var bad *ingest.BadItemError
	var busy *ingest.OverloadedError
	switch {
	case errors.As(err, &busy):
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(busy.RetryAfter.Seconds()))))
	case errors.Is(err, ingest.ErrAuditUnavailable):
		w.Header().Set("Retry-After", "1")
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="serenade-ingest"`)
	case status >= 500:
		a.deps.Log.ErrorContext(r.Context(), "ingest failed", slog.Any("err", err))
	}
	e := problem.ForStatus(status, "")
	p := itemProblem{Details: problem.Details{Type: e.Type(), Title: e.Title, Status: status, Detail: ingestDetail(err, status)}}
	if errors.As(err, &bad) {
		p.Item = &ingestItem{Index: bad.Index, Field: bad.Field, Reason: bad.Reason}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// ingestDetail is the problem's detail: the error's own fixed message
// for the ingest refusals, a fixed sentence for failures.
func ingestDetail(err error, status int) string {
	var busy *ingest.OverloadedError
	switch {
	case errors.Is(err, ingest.ErrAuditUnavailable):
		return errAuditUnavailable().Error()
	case errors.As(err, &busy):
		return busy.Error()
	case status >= 500:
		return "the batch could not be written; nothing of it was kept: send it again"
	}
	return strings.TrimPrefix(err.Error(), "ingest: ")
}
