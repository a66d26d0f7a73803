package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// trickleTimeout is the body deadline of the servers below: short, so
// the tests do not wait; nothing asserts how long an answer took.
const trickleTimeout = 300 * time.Millisecond

// safetyWait only keeps a broken server from hanging the test.
const safetyWait = time.Minute

// trickle sends a request that announces declared body bytes and sends
// only sent, then reads the answer without sending more.
func trickle(t *testing.T, s *apptest.Server, method, path, token, ctype string, declared int, sent string) (apptest.Response, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(safetyWait))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: serenade\r\nContent-Type: %s\r\nContent-Length: %d\r\n", method, path, ctype, declared)
	if token != "" {
		head += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"+sent); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s with a trickling body: no answer: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: body}, conn
}

// wantClosed checks that the server let the connection go rather than
// hold it waiting for the rest of the body.
func wantClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("the server still holds the connection after %v", safetyWait)
	}
}

// TestTricklingBodiesAreAnswered408: a body announced at 100 bytes of
// which 23 arrive (the reviewer's slowloris) is answered 408
// problem+json once the body deadline passes, audited, and its
// connection closed: on the login route (a raw form, which huma gives no
// deadline of its own) and on a JSON route; a route that answers without
// reading the body still lets the connection go.
func TestTricklingBodiesAreAnswered408(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.BodyReadTimeout = trickleTimeout }})
			doctor := s.Login(t, demo.Doctor, "alice")
			cases := []struct {
				name, method, path, token, ctype, sent, action string
			}{
				{"login form", http.MethodPost, tokenEndpoint, "", "application/x-www-form-urlencoded", "grant_type=password&use", "auth.login"},
				{"JSON body", http.MethodPost, "/api/v1/patients", doctor, "application/json", `{"first_name":"Mario",`, "patient.create"},
			}
			for _, c := range cases {
				res, conn := trickle(t, s, c.method, c.path, c.token, c.ctype, 100, c.sent)
				checkProblem(t, res, http.StatusRequestTimeout)
				wantClosed(t, conn)
				if n := auditedWithStatus(t, s, http.StatusRequestTimeout); n[c.action] != 1 {
					t.Errorf("%s: audit entries with 408 by action %v, want one for %s", c.name, n, c.action)
				}
			}
			res, conn := trickle(t, s, http.MethodGet, "/healthz", "", "text/plain", 100, "23 bytes of 100 sent...")
			if res.Status != http.StatusOK {
				t.Errorf("/healthz with a trickling body: %d", res.Status)
			}
			wantClosed(t, conn)
		})
	}
}

// auditedWithStatus counts the trail's entries of a status by action.
func auditedWithStatus(t *testing.T, s *apptest.Server, status int) map[string]int {
	t.Helper()
	entries, err := s.App.Store().QueryAudit(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range entries {
		if e.Status == status {
			n[e.Action]++
		}
	}
	return n
}

// TestEveryBodyRouteHasAReadDeadline: the kind, not the one route: every
// operation that reads a request body bounds the time it may take.
func TestEveryBodyRouteHasAReadDeadline(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	for path, item := range s.App.API().OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil && op.RequestBody != nil && op.BodyReadTimeout <= 0 {
				t.Errorf("%s %s reads a body without a deadline", op.Method, path)
			}
		}
	}
}

// TestTricklingConnectionsDoNotAccumulate: 200 connections each trickling
// a login body (the reviewer held all 200 for minutes) on a server
// allowing 50 per client address: at most 50 are taken in and each of
// them is answered 408, the others are closed at once; afterwards the
// same address logs in as usual, as nothing is held any more.
func TestTricklingConnectionsDoNotAccumulate(t *testing.T) {
	const conns, perClient = 200, 50
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.BodyReadTimeout, c.MaxPerClient = trickleTimeout, perClient
	}})
	statuses := make([]int, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { statuses[i] = trickleStatus(s) })
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	t.Logf("statuses (0: closed without an answer): %v", count)
	if count[http.StatusRequestTimeout]+count[0] != conns || count[http.StatusRequestTimeout] > perClient || count[http.StatusRequestTimeout] == 0 {
		t.Errorf("statuses %v: want at most %d answered 408, the rest closed", count, perClient)
	}
	s.Login(t, demo.Doctor, "alice")
}

// trickleStatus sends a login announcing 100 body bytes and sending 23;
// it returns the answer's status, or 0 when the server closed the
// connection without one (a timeout of the safety wait is -1).
func trickleStatus(s *apptest.Server) int {
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		return 0
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(safetyWait))
	_, _ = io.WriteString(conn, "POST "+tokenEndpoint+" HTTP/1.1\r\nHost: serenade\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=password&use")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return -1
	case err != nil:
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
