// Package apptest starts a real Serenade server for tests: the same
// wiring as `serenade serve`, on 127.0.0.1:0, with a fresh database on
// the chosen backend. Packages using the PostgreSQL backend must call
// pgtest.Main from their TestMain.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/pgtest"
)

// Server is a running server.
type Server struct {
	URL    string
	App    *app.App
	Config app.Config

	stopOnce sync.Once
	stopErr  error
	cancel   context.CancelFunc

	docOnce sync.Once // the OpenAPI document, fetched for the conformance check
	doc     []byte
	docErr  error
}

// Stop shuts the server down (draining requests and flushing telemetry)
// and returns what it stopped with; the test's cleanup then does nothing.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.cancel()
		s.stopErr = s.App.Wait()
	})
	return s.stopErr
}

// Options change the server's configuration before it starts.
type Options struct {
	Backend string // "sqlite" (default) or "postgres"
	Demo    bool   // seed the demo accounts and patients
	Log     *slog.Logger
	Edit    func(*app.Config)
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	dir := t.TempDir()
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir, cfg.Demo, cfg.ShutdownTimeout = "127.0.0.1:0", dir, o.Demo, 5*time.Second
	cfg.Sensors.DemoDays = 0 // a test that wants the demo's sensor data asks for it (Edit)
	if o.Backend == "postgres" {
		cfg.DatabaseURL = pgtest.New(t)
	}
	if o.Edit != nil {
		o.Edit(&cfg)
	}
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + a.Addr(), App: a, Config: cfg, cancel: cancel}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	})
	select {
	case <-a.Ready():
	case <-time.After(60 * time.Second):
		t.Fatal("server not ready after 60s")
	}
	return s
}

// StorePath is the SQLite file of a server on the embedded default.
func (s *Server) StorePath() string { return filepath.Clean(s.Config.DatabaseURL) }

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends a request with an optional bearer token and JSON body (a
// []byte body is sent as is).
func (s *Server) Do(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Send(t, req)
}

// Send sends a prepared request. While a conformance.Log is active, the
// exchange is checked against the server's OpenAPI document (record.go).
func (s *Server) Send(t testing.TB, req *http.Request) Response {
	t.Helper()
	rec := record(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := Response{Status: res.StatusCode, Header: res.Header, Body: b}
	rec.check(t, s, out)
	return out
}

// Login gets a local access token.
func (s *Server) Login(t testing.TB, username, password string) string {
	t.Helper()
	res := s.Do(t, http.MethodPost, "/api/v1/auth/token", "", url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res.JSON(t, &tok)
	return tok.AccessToken
}
