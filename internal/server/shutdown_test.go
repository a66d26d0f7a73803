package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveFor starts a server with handler h and returns its address, the
// cancel that starts the drain, and the channel Serve's result lands on.
func serveFor(t *testing.T, h http.Handler, drain time.Duration) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	s.Install(h, func(context.Context) error { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, drain) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), cancel, done
}

// A connection dialled and never used (what an HTTP client's pool keeps
// as a spare) does not make a clean shutdown an error.
func TestShutdownIgnoresConnectionsThatSentNoRequest(t *testing.T) {
	addr, stop, done := serveFor(t, http.NotFoundHandler(), 100*time.Millisecond)
	spare, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	res, err := http.Get("http://" + addr + "/healthz") // the server is up
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	stop()
	if err := <-done; err != nil {
		t.Fatalf("shutdown with an unused connection open: %v, want nil", err)
	}
}

// A request still being answered when the drain ends is reported.
func TestShutdownReportsRequestsCutShort(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	addr, stop, done := serveFor(t, slow, 100*time.Millisecond)
	defer close(release)
	go func() {
		if res, err := http.Get("http://" + addr + "/slow"); err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	stop()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "1 requests still in flight") {
		t.Fatalf("shutdown with a request in flight: %v, want the cut request named", err)
	}
}
