package telemetry_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite"
	_ "modernc.org/sqlite"

	"serenade/internal/telemetry"
	"serenade/internal/testsupport/syncbuf"
)

// records decodes the JSON log lines.
func records(t *testing.T, b *syncbuf.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// proxyAddr is the peer trustedProxy trusts; httptest.NewRequest's
// default peer (192.0.2.1) is not trusted.
const proxyAddr = "198.51.100.7"

func trustedProxy(remoteAddr string) bool { return strings.HasPrefix(remoteAddr, proxyAddr+":") }

// fromProxy is a request whose TCP peer is the trusted proxy.
func fromProxy(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = proxyAddr + ":41000"
	return req
}

func setup(t *testing.T, logs io.Writer) (*telemetry.Telemetry, *tracetest.InMemoryExporter) {
	t.Helper()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	if logs == nil {
		logs = io.Discard
	}
	spans := tracetest.NewInMemoryExporter()
	tel, err := telemetry.Setup(context.Background(), telemetry.Options{Version: "1.2.3", LogWriter: logs, LogLevel: slog.LevelDebug, SpanExporter: spans,
		TrustedPeer: trustedProxy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	if tel.Exporting() != "" {
		t.Fatalf("exporting over %s with no endpoint set", tel.Exporting())
	}
	return tel, spans
}

const incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
const incomingParent = "00f067aa0ba902b7"

func TestLogRecordsCarryTraceSpanAndRequestIDs(t *testing.T) {
	var logs syncbuf.Buffer
	tel, spans := setup(t, &logs)
	var seen struct{ trace, span, req string }
	h := tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := trace.SpanContextFromContext(r.Context())
		seen.trace, seen.span, seen.req = sc.TraceID().String(), sc.SpanID().String(), telemetry.RequestID(r.Context())
		tel.Logger().InfoContext(r.Context(), "handled")
		tel.Logger().With("component", "x").WithGroup("g").WarnContext(r.Context(), "grouped", "k", 1)
		tel.Logger().Info("no context")
	}))
	req := fromProxy(http.MethodGet, "/x")
	req.Header.Set("traceparent", "00-"+incomingTrace+"-"+incomingParent+"-01")
	req.Header.Set("X-Request-Id", "req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if seen.trace != incomingTrace || seen.req == "req-1" || seen.req != rec.Header().Get("X-Request-Id") {
		t.Fatalf("handler saw trace %s request %q (echoed %q)", seen.trace, seen.req, rec.Header().Get("X-Request-Id"))
	}
	recs := records(t, &logs)
	if len(recs) != 3 {
		t.Fatalf("want 3 records, got %v", recs)
	}
	for _, rec := range recs[:2] {
		if rec["trace_id"] != seen.trace || rec["span_id"] != seen.span || rec["request_id"] != seen.req || rec["upstream_request_id"] != "req-1" {
			t.Errorf("record %v lacks trace_id=%s span_id=%s request_id=%s upstream_request_id=req-1", rec, seen.trace, seen.span, seen.req)
		}
	}
	if _, ok := recs[2]["trace_id"]; ok {
		t.Errorf("a record logged without context carries a trace id: %v", recs[2])
	}
	got := spans.GetSpans()
	if len(got) != 1 || got[0].SpanContext.SpanID().String() != seen.span || got[0].Parent.SpanID().String() != incomingParent {
		t.Errorf("spans = %v, want one child of the incoming traceparent", got)
	}
	if id := telemetry.TraceID(context.Background()); id != "" {
		t.Errorf("TraceID without a span = %q", id)
	}

	// A logger handed in is wrapped once: no duplicated keys.
	var base syncbuf.Buffer
	tel2, err := telemetry.Setup(context.Background(), telemetry.Options{Logger: telemetry.NewLogger(&base, slog.LevelInfo)})
	if err != nil {
		t.Fatal(err)
	}
	defer tel2.Shutdown(context.Background())
	tel2.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tel2.Logger().InfoContext(r.Context(), "once")
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if line := base.String(); strings.Count(line, `"request_id"`) != 1 || strings.Count(line, `"trace_id"`) != 1 {
		t.Errorf("ids added more than once: %s", line)
	}
}

// The request id is the server's: whatever a client sends in
// X-Request-Id (a codice fiscale, another request's id) never becomes it.
// A well-formed id from a trusted proxy is kept beside it, as
// upstream_request_id on the span; from anyone else it is dropped.
func TestRequestIDIsAlwaysMadeByTheServer(t *testing.T) {
	tel, spans := setup(t, nil)
	generated := regexp.MustCompile(`^[A-Za-z0-9]{26}$`)
	cases := []struct {
		in       string
		upstream bool // kept as upstream_request_id when a trusted proxy sends it
	}{
		{"MRNGNN48D03L219H-rossi-mario", true},
		{"abc-123.X_y", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"a/b", false},
		{"RSSMRA80A01H501U<script>", false},
		{"città", false},
	}
	for _, c := range cases {
		for _, trusted := range []bool{false, true} {
			spans.Reset()
			var inside string
			h := tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inside = telemetry.RequestID(r.Context()) }))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if trusted {
				req = fromProxy(http.MethodGet, "/")
			}
			if c.in != "" {
				req.Header.Set("X-Request-Id", c.in)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			echoed := rec.Header().Get("X-Request-Id")
			if echoed != inside || echoed == c.in || !generated.MatchString(echoed) {
				t.Errorf("%q (trusted %v): echoed %q, handler saw %q; want a fresh server id", c.in, trusted, echoed, inside)
			}
			attrs := map[string]string{}
			for _, kv := range spans.GetSpans()[0].Attributes {
				attrs[string(kv.Key)] = kv.Value.String()
			}
			if attrs["serenade.request_id"] != echoed {
				t.Errorf("%q (trusted %v): span request id %q, want %q", c.in, trusted, attrs["serenade.request_id"], echoed)
			}
			up, ok := attrs["serenade.upstream_request_id"]
			if want := trusted && c.upstream; ok != want || (want && up != c.in) {
				t.Errorf("%q (trusted %v): upstream_request_id = %q (present %v), want present %v", c.in, trusted, up, ok, want)
			}
		}
	}
	// Fresh ids differ.
	a, b := httptest.NewRecorder(), httptest.NewRecorder()
	tel.Middleware(http.NotFoundHandler()).ServeHTTP(a, httptest.NewRequest(http.MethodGet, "/", nil))
	tel.Middleware(http.NotFoundHandler()).ServeHTTP(b, httptest.NewRequest(http.MethodGet, "/", nil))
	if a.Header().Get("X-Request-Id") == b.Header().Get("X-Request-Id") {
		t.Error("two requests got the same generated id")
	}
}

// A traceparent is continued only from a trusted proxy: from any other
// peer the request starts a trace of its own, so that a client cannot
// choose the trace id kept in the audit trail (here the hex of a codice
// fiscale).
func TestIncomingTraceIsContinuedOnlyFromTrustedProxies(t *testing.T) {
	tel, spans := setup(t, nil)
	const typed = "4d524e474e4e34384430334c32313948" // hex of MRNGNN48D03L219H
	for _, trusted := range []bool{false, true} {
		spans.Reset()
		var got string
		var bag int
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if trusted {
			req = fromProxy(http.MethodGet, "/")
		}
		req.Header.Set("traceparent", "00-"+typed+"-"+incomingParent+"-01")
		req.Header.Set("baggage", "patient=MRNGNN48D03L219H")
		tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, bag = telemetry.TraceID(r.Context()), baggage.FromContext(r.Context()).Len()
		})).ServeHTTP(httptest.NewRecorder(), req)
		if want := map[bool]int{false: 0, true: 1}[trusted]; bag != want {
			t.Errorf("trusted %v: %d baggage members, want %d", trusted, bag, want)
		}
		sp := spans.GetSpans()
		if len(sp) != 1 {
			t.Fatalf("trusted %v: %d spans", trusted, len(sp))
		}
		parent := sp[0].Parent.SpanID().String()
		switch {
		case trusted && (got != typed || parent != incomingParent):
			t.Errorf("trusted proxy: trace %s parent %s, want the incoming %s/%s", got, parent, typed, incomingParent)
		case !trusted && (got == typed || got == "" || sp[0].Parent.IsValid()):
			t.Errorf("untrusted peer: trace %s parent %s, want a new root trace", got, parent)
		}
	}
}

func TestSpansAndMetricsAreNamedAfterRouteTemplates(t *testing.T) {
	tel, spans := setup(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/patients/{patient}", func(w http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), "/api/v1/patients/{patient}")
		w.WriteHeader(http.StatusNotFound)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := tel.Middleware(mux)

	do := func(method, target string) {
		defer func() { recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
	}
	do(http.MethodGet, "/api/v1/patients/42?cf=RSSMRA80A01H501U")
	do(http.MethodGet, "/api/v1/patients/43")
	do(http.MethodGet, "/healthz")
	do(http.MethodGet, "/RSSMRA80A01H501U") // matches nothing
	do("BREW", "/healthz")
	do(http.MethodPost, "/boom")

	var names []string
	for _, s := range spans.GetSpans() {
		names = append(names, s.Name)
		if s.SpanKind != trace.SpanKindServer {
			t.Errorf("span %s has kind %v", s.Name, s.SpanKind)
		}
		for _, kv := range s.Attributes {
			v := kv.Value.String()
			if kv.Key == "serenade.request_id" { // random
				continue
			}
			if strings.Contains(v, "42") || strings.Contains(v, "43") || strings.Contains(v, "RSSMRA") || strings.Contains(v, "?") {
				t.Errorf("span %s carries %s=%q", s.Name, kv.Key, v)
			}
			if kv.Key == "url.path" || kv.Key == "url.full" || kv.Key == "url.query" {
				t.Errorf("span %s carries %s", s.Name, kv.Key)
			}
		}
	}
	want := []string{"GET /api/v1/patients/{patient}", "GET /api/v1/patients/{patient}", "GET /healthz", "GET", "_OTHER", "POST /boom"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("span names = %q, want %q", names, want)
	}

	counts := histogramCounts(t, tel)
	for series, n := range map[string]uint64{
		`method="GET",route="/api/v1/patients/{patient}",status="404"`: 2,
		`method="GET",route="/healthz",status="200"`:                   1,
		`method="GET",route="unmatched",status="404"`:                  1,
		`method="_OTHER",route="unmatched",status="405"`:               1,
		`method="POST",route="/boom",status="500"`:                     1,
	} {
		if counts[series] != n {
			t.Errorf("serenade_http_request_duration_seconds{%s} count = %d, want %d (have %v)", series, counts[series], n, counts)
		}
	}
	for series := range counts {
		if strings.Contains(series, "42") || strings.Contains(series, "RSSMRA") {
			t.Errorf("metric label carries a raw path: %s", series)
		}
	}
}

// histogramCounts maps the label sets of the request histogram to their counts.
func histogramCounts(t *testing.T, tel *telemetry.Telemetry) map[string]uint64 {
	t.Helper()
	mfs, err := tel.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "serenade_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[labels(m)] = m.GetHistogram().GetSampleCount()
		}
	}
	return out
}

func labels(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	return strings.Join(parts, ",")
}

// openSQLite opens a traced pool on dsn, closed when the test ends.
func openSQLite(t *testing.T, tel *telemetry.Telemetry, dsn string) *sql.DB {
	t.Helper()
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := tel.OpenDB("sqlite", dsn, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDatabaseCallsAreChildSpansWithoutArguments(t *testing.T) {
	tel, spans := setup(t, nil)
	path := filepath.Join(t.TempDir(), "t.db")
	db := openSQLite(t, tel, "file:"+path)
	ro := openSQLite(t, tel, "file:"+path+"?_pragma=query_only(1)")
	if _, err := db.Exec(`CREATE TABLE p (name TEXT UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	spans.Reset()

	ctx, parent := tel.Tracer().Start(context.Background(), "request")
	if _, err := db.ExecContext(ctx, `INSERT INTO p (name) VALUES ($1)`, "RSSMRA80A01H501U"); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO p (name) VALUES ($1)`, "RSSMRA80A01H501U")
	if err == nil {
		t.Fatal("duplicate accepted")
	}
	var n int
	if err := ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM p WHERE name = $1`, "RSSMRA80A01H501U").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
	db.PingContext(ctx)
	parent.End()

	var names []string
	for _, s := range spans.GetSpans() {
		if s.Name == "request" {
			continue
		}
		names = append(names, s.Name)
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("db span %s is not a child of the request span", s.Name)
		}
		hasText := false
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.String(), "RSSMRA") {
				t.Errorf("db span %s carries an argument in %s", s.Name, kv.Key)
			}
			hasText = hasText || kv.Key == "db.query.text"
		}
		for _, ev := range s.Events {
			t.Errorf("db span %s has event %s %v (error messages may quote values)", s.Name, ev.Name, ev.Attributes)
		}
		if (s.Name == "INSERT" || s.Name == "SELECT") && !hasText {
			t.Errorf("db span %s lacks db.query.text", s.Name)
		}
	}
	if !strings.Contains(strings.Join(names, ","), "INSERT") || !strings.Contains(strings.Join(names, ","), "SELECT") {
		t.Errorf("db spans = %v, want INSERT and SELECT", names)
	}
	for _, name := range names {
		if strings.Contains(name, "ping") || strings.Contains(name, "reset") || strings.Contains(name, "rows") {
			t.Errorf("noisy span %s", name)
		}
	}

	// Pool statistics of both pools, named apart.
	for _, pool := range []string{"sqlite_write", "sqlite_read"} {
		if n := countSeries(t, tel, "go_sql_open_connections", `db_name="`+pool+`"`); n != 1 {
			t.Errorf("go_sql_open_connections{db_name=%q}: %d series", pool, n)
		}
	}
}

func countSeries(t *testing.T, tel *telemetry.Telemetry, name, label string) int {
	t.Helper()
	mfs, err := tel.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				if strings.Contains(labels(m), label) {
					n++
				}
			}
		}
	}
	return n
}

func TestMetricsHandlerExposesBuildInfoAndAuditHistograms(t *testing.T) {
	tel, _ := setup(t, nil)
	tel.ObserveAuditGroup(3)
	tel.ObserveAuditWrite(0.002)
	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`serenade_build_info{revision=`, `version="1.2.3"} 1`,
		`go_build_info{`, `go_goroutines `, `process_`,
		`serenade_audit_group_size_bucket{le="512"} 1`,
		`serenade_audit_write_seconds_count 1`,
		`serenade_audit_write_failures_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if n := testutil.CollectAndCount(tel.AuditGroupSize); n != 1 {
		t.Errorf("audit group size collects %d series", n)
	}
}

func TestExportFollowsTheEnvironment(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
		err  bool
	}{
		{map[string]string{}, "", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, "http/protobuf", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces"}, "http/protobuf", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "grpc", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, "http/protobuf", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "", true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"}, "", false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"}, "", false},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
				"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"} {
				t.Setenv(k, c.env[k])
			}
			tel, err := telemetry.Setup(context.Background(), telemetry.Options{LogWriter: io.Discard, TrustedPeer: trustedProxy})
			if (err != nil) != c.err {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			defer func() {
				ctx, cancel := context.WithCancel(context.Background())
				cancel() // nothing to flush; do not wait for the unreachable endpoint
				tel.Shutdown(ctx)
			}()
			if tel.Exporting() != c.want {
				t.Errorf("exporting %q, want %q", tel.Exporting(), c.want)
			}
			// Without export (or with tracing disabled) requests still
			// carry the incoming trace id, for the logs.
			if c.want == "" {
				var got string
				req := fromProxy(http.MethodGet, "/")
				req.Header.Set("traceparent", "00-"+incomingTrace+"-"+incomingParent+"-01")
				tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = telemetry.TraceID(r.Context()) })).ServeHTTP(httptest.NewRecorder(), req)
				if got != incomingTrace {
					t.Errorf("not exporting: trace id %q", got)
				}
				got = ""
				tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = telemetry.TraceID(r.Context()) })).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
				if got == "" && c.env["OTEL_SDK_DISABLED"] != "true" {
					t.Error("not exporting: a request without traceparent has no trace id")
				}
			}
		})
	}
}
