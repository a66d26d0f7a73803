package app_test

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/telemetry"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/syncbuf"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver.
type otlpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string
	gzipped  bool
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
			rc.mu.Lock()
			rc.gzipped = true
			rc.mu.Unlock()
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					rc.services = append(rc.services, kv.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				rc.spans = append(rc.spans, ss.GetSpans()...)
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *otlpReceiver) received() []*tracepb.Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*tracepb.Span(nil), rc.spans...)
}

func attrValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_ArrayValue:
		var parts []string
		for _, e := range x.ArrayValue.GetValues() {
			parts = append(parts, attrValue(e))
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// demoSensitive lists every name, codice fiscale, address, contact, note
// and message of the demo data (seeding is deterministic).
func demoSensitive(t *testing.T) []string {
	t.Helper()
	env := storetest.Open(t, "sqlite")
	res, err := demo.Seed(context.Background(), env.Study(), env.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return res.Sensitive
}

func TestSpansReachAnOTLPReceiverWithRouteNamesAndDatabaseChildren(t *testing.T) {
	rc := newOTLPReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_TRACES_SAMPLER"} {
		t.Setenv(k, "")
	}
	var logs syncbuf.Buffer
	// The test client is the trusted proxy: only a trusted proxy's trace is continued.
	s := apptest.Start(t, apptest.Options{Demo: true, Log: telemetry.NewLogger(&logs, slog.LevelDebug),
		Edit: func(c *app.Config) { c.TrustedProxies = "127.0.0.1/32, ::1" }})
	if s.App.Telemetry().Exporting() != "http/protobuf" {
		t.Fatalf("exporting = %q", s.App.Telemetry().Exporting())
	}
	token := s.Login(t, "dottore-alice", "alice")

	const traceID, parentID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/patients/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	req.Header.Set("X-Request-Id", "otlp-test-1")
	res := s.Send(t, req)
	if res.Status != http.StatusOK {
		t.Fatalf("GET patient 1 = %d %s", res.Status, res.Body)
	}
	requestID := res.Header.Get("X-Request-Id")
	if requestID == "" || requestID == "otlp-test-1" {
		t.Errorf("X-Request-Id answered as %q, want the server's own id", requestID)
	}
	// A raw id that matches no patient, and a path no route matches.
	s.Do(t, http.MethodGet, "/api/v1/patients/999999", token, nil)
	s.Do(t, http.MethodGet, "/api/v1/no-such/RSSMRA80A01H501U", token, nil)

	if err := s.Stop(); err != nil { // flushes the batch of spans
		t.Fatal(err)
	}
	spans := rc.received()
	if len(spans) == 0 {
		t.Fatal("the receiver got no span")
	}
	rc.mu.Lock()
	if !rc.gzipped {
		t.Error("the exporter did not compress as OTEL_EXPORTER_OTLP_COMPRESSION asked")
	}
	if len(rc.services) == 0 || rc.services[0] != "serenade" {
		t.Errorf("service.name = %v", rc.services)
	}
	rc.mu.Unlock()

	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.GetSpanId())] = sp
	}
	var server *tracepb.Span
	for _, sp := range spans {
		if sp.GetName() == "GET /api/v1/patients/{patient}" && hex.EncodeToString(sp.GetTraceId()) == traceID {
			server = sp
		}
	}
	if server == nil {
		var names []string
		for _, sp := range spans {
			names = append(names, sp.GetName())
		}
		t.Fatalf("no server span GET /api/v1/patients/{patient} in the incoming trace; got %q", names)
	}
	if server.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("server span kind = %v", server.GetKind())
	}
	if got := hex.EncodeToString(server.GetParentSpanId()); got != parentID {
		t.Errorf("server span's parent = %s, want the incoming %s", got, parentID)
	}
	attrs := map[string]string{}
	for _, kv := range server.GetAttributes() {
		attrs[kv.GetKey()] = attrValue(kv.GetValue())
	}
	if attrs["http.route"] != "/api/v1/patients/{patient}" || attrs["serenade.request_id"] != requestID ||
		attrs["serenade.upstream_request_id"] != "otlp-test-1" {
		t.Errorf("server span attributes = %v", attrs)
	}

	// Database spans descend from the server span.
	serverID := hex.EncodeToString(server.GetSpanId())
	descends := func(sp *tracepb.Span) bool {
		for p := sp; p != nil; p = byID[hex.EncodeToString(p.GetParentSpanId())] {
			if hex.EncodeToString(p.GetParentSpanId()) == serverID {
				return true
			}
		}
		return false
	}
	dbSpans := 0
	for _, sp := range spans {
		if sp.GetKind() == tracepb.Span_SPAN_KIND_CLIENT && descends(sp) {
			dbSpans++
			if hex.EncodeToString(sp.GetTraceId()) != traceID {
				t.Errorf("db span %s in another trace", sp.GetName())
			}
		}
	}
	if dbSpans == 0 {
		t.Error("no database span under the request's span")
	}

	// Other requests are named after their routes too.
	names := map[string]bool{}
	for _, sp := range spans {
		names[sp.GetName()] = true
	}
	for _, want := range []string{"POST /api/v1/auth/token", "open store", "seed demo data"} {
		if !names[want] {
			t.Errorf("no span named %q", want)
		}
	}

	// No patient data and no raw id anywhere in the telemetry.
	forbidden := append([]string{"/patients/1", "/patients/999999", "RSSMRA80A01H501U"}, demoSensitive(t)...)
	for _, sp := range spans {
		texts := []string{sp.GetName()}
		for _, kv := range sp.GetAttributes() {
			texts = append(texts, attrValue(kv.GetValue()))
		}
		for _, ev := range sp.GetEvents() {
			texts = append(texts, ev.GetName())
			for _, kv := range ev.GetAttributes() {
				texts = append(texts, attrValue(kv.GetValue()))
			}
		}
		texts = append(texts, sp.GetStatus().GetMessage())
		for _, text := range texts {
			for _, f := range forbidden {
				if strings.Contains(text, f) {
					t.Errorf("span %q carries %q", sp.GetName(), f)
				}
			}
		}
	}
	logText := logs.String()
	for _, f := range forbidden {
		if strings.Contains(logText, f) {
			t.Errorf("the logs carry %q:\n%s", f, logText)
		}
	}
}
