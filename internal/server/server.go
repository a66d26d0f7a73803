// Package server runs Serenade's HTTP server: it listens at once, answers
// /healthz while the store opens, answers /readyz only once migrations
// ran and keys are loaded, and drains in-flight requests on shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"serenade/internal/httplimit"
	"serenade/internal/problem"
	"serenade/internal/telemetry"
)

// Server is an HTTP server whose application handler is installed once
// the application is ready.
type Server struct {
	log   *slog.Logger
	opts  Options
	http  *http.Server
	app   atomic.Pointer[http.Handler]
	ready func(context.Context) error // readiness probe of the installed app
	// detail gives lines added to a ready /readyz answer: the state of
	// optional parts (the MQTT connection) that do not make Serenade
	// unready.
	detail atomic.Pointer[func() []string]
	// inflight counts requests being answered: at the end of the drain it
	// tells a request cut short from a connection that never sent one.
	inflight atomic.Int64
}

// Options bound what a client may hold of the server: how long a body
// may take, and how many connections are open at once. Zero values take
// the defaults.
type Options struct {
	BodyReadTimeout time.Duration // DefaultBodyReadTimeout
	MaxConnections  int           // in all: DefaultMaxConnections
	MaxPerPeer      int           // per peer address: DefaultMaxPerPeer
	// Exempt names peers without a per-peer cap: the trusted reverse
	// proxies, whose one address carries every client's connections.
	Exempt func(netip.Addr) bool
}

func (o Options) withDefaults() Options {
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxPerPeer <= 0 {
		o.MaxPerPeer = DefaultMaxPerPeer
	}
	return o
}

// New returns a server; Install makes it ready.
func New(log *slog.Logger, opts Options) *Server {
	s := &Server{log: log, opts: opts.withDefaults()}
	health := httplimit.Headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	ready := httplimit.Headers(http.HandlerFunc(s.readyz))
	// Not a ServeMux: it would answer non-canonical paths (//x, /x/../y)
	// with redirects of its own, before the application could audit them.
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := r.Method == http.MethodGet || r.Method == http.MethodHead
		switch {
		case probe && r.URL.Path == "/healthz" && r.URL.RawPath == "":
			telemetry.SetRoute(r.Context(), "/healthz")
			health.ServeHTTP(w, r)
		case probe && r.URL.Path == "/readyz" && r.URL.RawPath == "":
			telemetry.SetRoute(r.Context(), "/readyz")
			ready.ServeHTTP(w, r)
		default:
			s.serveApp(w, r)
		}
	})
	s.http = &http.Server{
		Handler: bodyDeadline(s.opts.BodyReadTimeout, mux),
		// The real header limit is enforced by the handlers, which answer
		// problem+json (and the API audits); this is only the hard cut-off.
		MaxHeaderBytes: httplimit.HardMaxHeaderBytes,
		// No ReadTimeout: it would also bound the body of an upload and,
		// passing while a handler runs, cancel its context; bodies are
		// bounded by bodyDeadline instead.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Wrap puts middleware around every request the server answers, health
// and readiness included (tracing, metrics). Call it before Serve.
func (s *Server) Wrap(mw func(http.Handler) http.Handler) {
	s.http.Handler = mw(s.http.Handler)
}

// NotReady is a readiness failure whose Detail may be shown to the
// prober (it names the reason, never secrets); the component that found
// it logs the full cause.
type NotReady struct{ Detail string }

func (e NotReady) Error() string { return "not ready: " + e.Detail }

// Install sets the application handler and its readiness probe.
func (s *Server) Install(h http.Handler, ready func(context.Context) error) {
	s.ready = ready
	s.app.Store(&h)
}

// SetReadyDetail adds fn's lines (e.g. "mqtt: connected") to the 200
// answer of /readyz, after "ready". They name states, never secrets.
func (s *Server) SetReadyDetail(fn func() []string) { s.detail.Store(&fn) }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.app.Load() == nil {
		problem.Write(w, r, problem.NotReady, "starting: migrations or keys not loaded yet")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		var nr NotReady
		if errors.As(err, &nr) { // already logged, once, by whoever found it
			problem.Write(w, r, problem.NotReady, nr.Detail)
			return
		}
		s.log.Warn("readiness check failed", "err", err)
		problem.Write(w, r, problem.NotReady, "the database does not answer")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	body := "ready\n"
	if fn := s.detail.Load(); fn != nil {
		for _, line := range (*fn)() {
			body += line + "\n"
		}
	}
	_, _ = w.Write([]byte(body))
}

func (s *Server) serveApp(w http.ResponseWriter, r *http.Request) {
	h := s.app.Load()
	if h == nil {
		w.Header().Set("Retry-After", "1")
		problem.Write(w, r, problem.NotReady, "Serenade is starting")
		return
	}
	(*h).ServeHTTP(w, r)
}

// Serve answers on ln, within the connection caps, until ctx is done,
// then stops accepting and waits up to drain for in-flight requests.
// It returns an error when a request was still being answered at the end
// of the drain. A connection that never sent a request (a client's
// spare, dialled ahead and kept idle) is closed then without error:
// net/http waits up to 5 s for such connections before it calls them
// idle, and nothing was lost on them.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	ln = limitListener(ln, s.opts.MaxConnections, s.opts.MaxPerPeer, s.opts.Exempt)
	s.http.Handler = s.counted(s.http.Handler)
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining in-flight requests", "timeout", drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if err != nil {
		cut := s.inflight.Load()
		err = errors.Join(s.http.Close())
		if cut > 0 {
			err = errors.Join(fmt.Errorf("%d requests still in flight after the %s drain were cut", cut, drain), err)
		}
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

func (s *Server) counted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		next.ServeHTTP(w, r)
	})
}
