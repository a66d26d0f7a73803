package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// HEAD is served by the GET operation (same access check, no body) but
// the trail records the method used: "HEAD route", method HEAD.
func TestHeadIsAuditedAsHead(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, admin := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Admin, "anna")
			cases := []struct {
				path, token string
				status      int
				actor       string
				route       string
				outcome     string
			}{
				{"/api/v1/patients", doctor, http.StatusOK, demo.Doctor, "/api/v1/patients", "ok"},
				{"/api/v1/patients/1", doctor, http.StatusOK, demo.Doctor, "/api/v1/patients/{patient}", "ok"},
				{"/api/v1/patients/" + pastedCF, doctor, http.StatusNotFound, demo.Doctor, "/api/v1/patients/{patient}", "denied"},
				{"/api/v1/patients", "", http.StatusUnauthorized, "", "/api/v1/patients", "denied"},
			}
			for _, c := range cases {
				res, added := entriesOf(t, s, admin, func() apptest.Response {
					return s.Send(t, request(t, s, http.MethodHead, c.path, c.token, "", nil, nil))
				})
				if res.Status != c.status || len(res.Body) != 0 {
					t.Errorf("HEAD %s: %d with %d body bytes, want %d and none", c.path, res.Status, len(res.Body), c.status)
				}
				checkNotCached(t, res)
				if len(added) != 1 {
					t.Fatalf("HEAD %s added %d entries, want 1: %+v", c.path, len(added), added)
				}
				e := added[0]
				want := trailEntry{Seq: e.Seq, Actor: c.actor, Operation: "HEAD " + c.route, Method: http.MethodHead, Route: c.route,
					Outcome: c.outcome, Status: c.status, RequestID: res.Header.Get("X-Request-Id")}
				if !equalEntries(e, want) {
					t.Errorf("HEAD %s: entry\n got %+v\nwant %+v", c.path, e, want)
				}
				if e.Action == "" {
					t.Errorf("HEAD %s: entry has no action (the GET operation's applies): %+v", c.path, e)
				}
			}
		})
	}
}

// An Accept that admits JSON or problem+json, by name or by a range, is
// served; a malformed one is ignored (RFC 9110 allows it); a document
// download answers the file's own type whatever JSON Accept says.
func TestAcceptAdmittingTheAnswerIsServed(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	for _, accept := range []string{
		"", "*/*", "application/*", "application/json", "application/problem+json",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json;q=0, */*", // the problem type is still admitted by */*
		"application/json;;;q=x",    // malformed: ignored
	} {
		req := request(t, s, http.MethodGet, "/api/v1/patients", doctor, "", nil, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res := s.Send(t, req)
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Accept %q: %d %q, want 200 JSON", accept, res.Status, res.Header.Get("Content-Type"))
		}
	}

	installer := s.Login(t, demo.Installer, "gennaro")
	inst := installerInstallation(t, s, installer)
	up := postMultipart(t, s, "/api/v1/installations/"+inst+"/documents", installer,
		uploadPart{field: "file", filename: "scan.pdf", contentType: "application/pdf", content: scanPDF})
	if up.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.Status, up.Body)
	}
	var doc documentJSON
	up.JSON(t, &doc)
	req := request(t, s, http.MethodGet, "/api/v1/documents/"+doc.ID, installer, "", nil, http.Header{"Accept": {"application/pdf"}})
	if res := s.Send(t, req); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download with Accept application/pdf: %d %q, want 200 application/pdf", res.Status, res.Header.Get("Content-Type"))
	}
}

// typedCF is a codice fiscale a client writes into X-Request-Id, and
// typedTrace the same as the hex of a traceparent's trace id.
const (
	typedCF    = "MRNGNN48D03L219H"
	typedTrace = "4d524e474e4e34384430334c32313948"
)

// The trail keeps the server's request id and, unless the peer is a
// trusted proxy, a trace id the server started: never what the client
// typed into X-Request-Id or traceparent, and never another request's id.
func TestClientCannotChooseTheAuditedRequestOrTraceID(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, trusted := range []bool{false, true} {
			name := backend + "/untrusted-peer"
			if trusted {
				name = backend + "/trusted-proxy"
			}
			t.Run(name, func(t *testing.T) {
				o := apptest.Options{Backend: backend, Demo: true}
				if trusted {
					o.Edit = func(c *app.Config) { c.TrustedProxies = "127.0.0.1/32, ::1" }
				}
				s := apptest.Start(t, o)
				doctor, admin := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Admin, "anna")
				send := func(requestID string) (apptest.Response, trailEntry) {
					res, added := entriesOf(t, s, admin, func() apptest.Response {
						return s.Send(t, request(t, s, http.MethodGet, "/api/v1/patients/1", doctor, "", nil, http.Header{
							"X-Request-Id": {requestID}, "Traceparent": {"00-" + typedTrace + "-b7ad6b7169203331-01"}}))
					})
					if res.Status != http.StatusOK || len(added) != 1 {
						t.Fatalf("GET patient: %d, %d entries", res.Status, len(added))
					}
					return res, added[0]
				}
				first, e1 := send(typedCF + "-rossi-mario")
				// A second request reuses the first one's id.
				second, e2 := send(first.Header.Get("X-Request-Id"))
				for i, c := range []struct {
					res apptest.Response
					e   trailEntry
				}{{first, e1}, {second, e2}} {
					id := c.res.Header.Get("X-Request-Id")
					if c.e.RequestID != id || len(id) != 26 || strings.Contains(id, typedCF) {
						t.Errorf("request %d: answered id %q, audited %q; want one server-made id", i+1, id, c.e.RequestID)
					}
					if trusted != (c.e.TraceID == typedTrace) || c.e.TraceID == "" {
						t.Errorf("request %d: audited trace id %q (trusted proxy %v)", i+1, c.e.TraceID, trusted)
					}
				}
				if e1.RequestID == e2.RequestID {
					t.Errorf("two requests share the audited id %q", e1.RequestID)
				}
				trail, _ := json.Marshal(trailAfter(t, s, admin, 0))
				if strings.Contains(string(trail), typedCF) {
					t.Errorf("the trail keeps the typed codice fiscale: %s", trail)
				}
				if !trusted && strings.Contains(string(trail), typedTrace) {
					t.Errorf("the trail keeps an untrusted client's trace id: %s", trail)
				}
			})
		}
	}
}
