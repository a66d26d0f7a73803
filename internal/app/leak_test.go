package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/telemetry"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/syncbuf"
)

// session is one user's walk through the API: every list they may read,
// every resource those lists name, and a few writes.
type session struct {
	t     *testing.T
	s     *apptest.Server
	token string
}

func (c session) get(path string) map[string]any {
	res := c.s.Do(c.t, http.MethodGet, path, c.token, nil)
	var v map[string]any
	_ = json.Unmarshal(res.Body, &v)
	return v
}

// ids returns the "id" of every object in list v[key].
func ids(v map[string]any, key string) []string {
	var out []string
	items, _ := v[key].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func (c session) walk() {
	for _, p := range ids(c.get("/api/v1/patients"), "patients") {
		c.get("/api/v1/patients/" + p)
		c.get("/api/v1/patients/" + p + "/screening")
		c.get("/api/v1/patients/" + p + "/access-history")
	}
	c.get("/api/v1/screening")
	for _, i := range ids(c.get("/api/v1/installations"), "installations") {
		c.get("/api/v1/installations/" + i)
		c.get("/api/v1/installations/" + i + "/contact-sheet")
		for _, tk := range ids(c.get("/api/v1/installations/"+i+"/tickets"), "tickets") {
			c.get("/api/v1/tickets/" + tk)
		}
		for _, d := range ids(c.get("/api/v1/installations/"+i+"/documents"), "documents") {
			c.get("/api/v1/documents/" + d)
		}
	}
	c.get("/api/v1/audit?limit=1000")
	c.get("/api/v1/me")
}

// TestTelemetryCarriesNoPatientData runs a full session for every role
// with debug logging and span export, then searches every log line, span
// and the /metrics page for the study's identifying data and raw ids.
func TestTelemetryCarriesNoPatientData(t *testing.T) {
	rc := newOTLPReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rc.URL)
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_TRACES_SAMPLER"} {
		t.Setenv(k, "")
	}
	var logs syncbuf.Buffer
	s := apptest.Start(t, apptest.Options{Demo: true, Log: telemetry.NewLogger(&logs, slog.LevelDebug)})
	secrets := demoSensitive(t)

	users := map[string]string{"dottore-alice": "alice", "iit-gennaro": "gennaro", "imt-vincenzo": "vincenzo", "ricercatore-stefano": "stefano", "admin-anna": "anna"}
	for user, pw := range users {
		c := session{t: t, s: s, token: s.Login(t, user, pw)}
		c.walk()
	}
	// Writes that carry new identifying data, and refused requests.
	doc := session{t: t, s: s, token: s.Login(t, "dottore-alice", "alice")}
	newcomer := map[string]any{"first_name": "Gervasio", "last_name": "Quaglierini", "codice_fiscale": "QGLGVS40A01F205F",
		"address": "Via Sottocorno 19, Milano", "medical_notes": "Tremor at rest since spring", "diagnosis_class": "parkinson",
		"contacts": []map[string]string{{"alias": "nephew Ottorino", "phone": "+39 348 5556677", "email": "ottorino.q@example.it"}}}
	if res := s.Do(t, http.MethodPost, "/api/v1/patients", doc.token, newcomer); res.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	secrets = append(secrets, "Gervasio", "Quaglierini", "QGLGVS40A01F205F", "Via Sottocorno", "Tremor at rest", "Ottorino", "5556677", "ottorino.q@example.it")
	iit := session{t: t, s: s, token: s.Login(t, "iit-gennaro", "gennaro")}
	inst := ids(iit.get("/api/v1/installations"), "installations")[0]
	uploadDocument(t, s, iit.token, inst, "verbale Quaglierini.pdf")
	s.Do(t, http.MethodGet, "/api/v1/patients/1", iit.token, nil)
	s.Do(t, http.MethodGet, "/api/v1/patients/1", "forged", nil)
	s.Do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "Quaglierini"})

	metrics := scrape(t, s.URL+"/metrics")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	var spans strings.Builder
	for _, sp := range rc.received() {
		fmt.Fprintln(&spans, sp.GetName())
		for _, a := range sp.GetAttributes() {
			fmt.Fprintf(&spans, "%s=%s\n", a.GetKey(), attrValue(a.GetValue()))
		}
		for _, ev := range sp.GetEvents() {
			fmt.Fprintln(&spans, ev.GetName())
			for _, a := range ev.GetAttributes() {
				fmt.Fprintf(&spans, "%s=%s\n", a.GetKey(), attrValue(a.GetValue()))
			}
		}
	}
	outputs := map[string]string{"logs": logs.String(), "spans": spans.String(), "metrics": metrics}
	if !strings.Contains(outputs["logs"], `"msg":"audit"`) || !strings.Contains(outputs["spans"], "GET /api/v1/installations/{installation}") {
		t.Fatal("the session produced no audit logs or no spans: the search would prove nothing")
	}
	for name, out := range outputs {
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(out), strings.ToLower(secret)) {
				t.Errorf("%s carry %q", name, secret)
			}
		}
		if m := rawIDPath.FindString(out); m != "" {
			t.Errorf("%s carry a raw id in a path: %q", name, m)
		}
	}
	checkLogValues(t, outputs["logs"])
}

// rawIDPath matches a concrete resource path with a numeric id.
var rawIDPath = regexp.MustCompile(`/(patients|installations|tickets|documents|contacts)/[0-9]+\b`)

// checkLogValues fails on any string value of a log record that is a
// raw numeric id (numbers such as status or audit_seq are JSON numbers).
func checkLogValues(t *testing.T, logs string) {
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		walkStrings(rec, func(key, v string) {
			if v != "" && strings.Trim(v, "0123456789") == "" && !hexIDs[key] {
				t.Errorf("log %q carries a raw id %s=%q", rec["msg"], key, v)
			}
		})
	}
}

// hexIDs are random hex ids that may happen to be all digits.
var hexIDs = map[string]bool{"trace_id": true, "span_id": true, "request_id": true, "audit_hash": true}

func walkStrings(v any, fn func(key, s string)) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			switch y := x.(type) {
			case string:
				fn(k, y)
			default:
				walkStrings(y, fn)
			}
		}
	}
}

func uploadDocument(t *testing.T, s *apptest.Server, token, inst, name string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte("%PDF-1.4\n%%EOF\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/installations/"+inst+"/documents", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if res := s.Send(t, req); res.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
}
