package conformance_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/conformance"
)

// exchange sends a real request to s and records it as the recorder
// does, so that the cases below can alter one part of a real answer.
func exchange(t *testing.T, s *apptest.Server, method, path, token, ctype string, body []byte) conformance.Exchange {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return conformance.Exchange{Request: req, RequestBody: body, Complete: true, Status: res.StatusCode, Header: res.Header, Body: b}
}

func loadChecker(t *testing.T, s *apptest.Server) *conformance.Checker {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
	c, err := conformance.Load(res.Body, "/api/v1", "/api/v1/openapi")
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	return c
}

// The checker passes real exchanges and fails each kind of undeclared
// answer: a status, a media type, a header, a body member the document
// does not declare; a request the document does not admit that the
// server accepted; an unmatched route answered with anything but a
// problem.
func TestCheckerFailsWhatTheDocumentDoesNotDeclare(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := loadChecker(t, s)
	tok := s.Login(t, demo.Doctor, "alice")
	me := exchange(t, s, http.MethodGet, "/api/v1/me", tok, "", nil)
	alter := func(f func(*conformance.Exchange)) conformance.Exchange {
		ex := me
		ex.Header = me.Header.Clone()
		f(&ex)
		return ex
	}
	form := url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"wrong"}}.Encode()
	badLogin := exchange(t, s, http.MethodPost, "/api/v1/auth/token", "", "application/x-www-form-urlencoded", []byte("grant_type=password"))
	cases := []struct {
		name    string
		ex      conformance.Exchange
		wantErr string // "" when the exchange conforms
	}{
		{"a real answer conforms", me, ""},
		{"a wrong password's 401 conforms", exchange(t, s, http.MethodPost, "/api/v1/auth/token", "", "application/x-www-form-urlencoded", []byte(form)), ""},
		{"an undeclared status", alter(func(ex *conformance.Exchange) { ex.Status = http.StatusTeapot }), "status is not supported"},
		{"an undeclared media type", alter(func(ex *conformance.Exchange) { ex.Header.Set("Content-Type", "text/html") }), "text/html"},
		{"an undeclared header", alter(func(ex *conformance.Exchange) { ex.Header.Set("X-Powered-By", "Go") }), "X-Powered-By"},
		{"an undeclared body member", alter(func(ex *conformance.Exchange) {
			ex.Body = bytes.Replace(ex.Body, []byte(`{`), []byte(`{"password_hash":"x",`), 1)
		}), "password_hash"},
		{"a declared header with a value outside its schema", alter(func(ex *conformance.Exchange) { ex.Header.Set("Cache-Control", "public") }), "Cache-Control"},
		{"a request the document does not admit, refused, conforms", badLogin, ""},
		{"a request the document does not admit, accepted", func() conformance.Exchange {
			ex := me
			ex.Request = me.Request.Clone(context.Background())
			ex.Request.Header.Del("Authorization")
			return ex
		}(), "accepted"},
		{"an unknown route answered with a problem conforms", exchange(t, s, http.MethodGet, "/api/v1/nothing-here", tok, "", nil), ""},
		{"a known route's other method answered with a problem conforms", exchange(t, s, http.MethodPatch, "/api/v1/me", tok, "", nil), ""},
		{"an unknown route answered 200", func() conformance.Exchange {
			ex := exchange(t, s, http.MethodGet, "/api/v1/nothing-here", tok, "", nil)
			ex.Status = http.StatusOK
			return ex
		}(), "want a 404 problem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.Check(context.Background(), tc.ex)
			if res.Err != nil {
				t.Logf("%s %s -> %d: %v", tc.ex.Request.Method, res.Route, tc.ex.Status, res.Err)
			}
			switch {
			case tc.wantErr == "" && res.Err != nil:
				t.Errorf("%s %s -> %d: %v", tc.ex.Request.Method, res.Route, tc.ex.Status, res.Err)
			case tc.wantErr != "" && res.Err == nil:
				t.Errorf("%s %s -> %d passed, want a failure about %q", tc.ex.Request.Method, res.Route, tc.ex.Status, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(res.Err.Error(), tc.wantErr):
				t.Errorf("failure %q does not mention %q", res.Err, tc.wantErr)
			}
		})
	}
}

// A Log reports each failure with its test, method, route and status,
// and turns a passing run into a failing one.
func TestLogReportsFailures(t *testing.T) {
	l := conformance.Start()
	defer l.Finish(io.Discard, 0, false)
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/api/v1/me", nil)
	ex := conformance.Exchange{Request: req, Status: http.StatusTeapot}
	l.Add("TestA", ex, conformance.Result{Route: "/api/v1/me"})
	l.Add("TestB", ex, conformance.Result{Route: "/api/v1/me", Err: io.ErrUnexpectedEOF})
	l.Add("TestC", ex, conformance.Result{Route: "/api/v1/me", Err: io.ErrUnexpectedEOF})
	if checked, failed := l.Counts(); checked != 3 || failed != 2 {
		t.Errorf("counts %d checked, %d failed; want 3, 2", checked, failed)
	}
	var out strings.Builder
	if code := l.Finish(&out, 0, false); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	want := "GET /api/v1/me -> 418: unexpected EOF (2×, first in TestB)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("report %q does not contain %q", out.String(), want)
	}
	if conformance.Active() != nil {
		t.Error("the log is still active after Finish")
	}
}
