package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// telemetryFlushTimeout bounds how long stopping waits for the last spans
// to reach the collector.
const telemetryFlushTimeout = 10 * time.Second

// observe wraps every request of the main listener: request id, trace
// span, duration histogram; and /metrics, unless it has a listener of its
// own (SERENADE_METRICS_LISTEN).
func (a *App) observe(next http.Handler) http.Handler {
	if a.cfg.MetricsListen == "" {
		next = withMetrics(a.tel.MetricsHandler(), next)
	}
	return a.tel.Middleware(next)
}

// withMetrics answers GET /metrics with metrics, anything else with next.
func withMetrics(metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			telemetry.SetRoute(r.Context(), "/metrics")
			metrics.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// named serves h under a fixed route name (for subtree patterns such as
// /docs/, whose paths name no route by themselves).
func named(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), route)
		h.ServeHTTP(w, r)
	})
}

// openStore opens and migrates the store under a start-up span, with
// every database call traced.
func (a *App) openStore(ctx context.Context) (*store.DB, error) {
	ctx, span := a.tel.Tracer().Start(ctx, "open store")
	defer span.End()
	return a.cfg.openStoreWith(ctx, a.log, a.tel.OpenDB)
}

// seedDemo seeds demo data under one span, so its statements make one
// trace rather than hundreds.
func (a *App) seedDemo(ctx context.Context, db *store.DB) error {
	ctx, span := a.tel.Tracer().Start(ctx, "seed demo data")
	defer span.End()
	return seedDemo(ctx, db, a.cfg.StoreClock, a.log)
}

// metricsServer serves /metrics on an address of its own.
type metricsServer struct {
	ln   net.Listener
	http *http.Server
	done chan error
}

func listenMetrics(addr string, h http.Handler, log *slog.Logger) (*metricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return &metricsServer{ln: ln, done: make(chan error, 1), http: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// serve answers until ctx is done.
func (m *metricsServer) serve(ctx context.Context) {
	errc := make(chan error, 1)
	go func() { errc <- m.http.Serve(m.ln) }()
	select {
	case err := <-errc:
		m.done <- err
		return
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.http.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	m.done <- err
}

// stopTelemetry runs once the server stopped and the store closed: it
// waits for the metrics listener and flushes the last spans.
func (a *App) stopTelemetry() error {
	var err error
	if a.metrics != nil {
		err = <-a.metrics.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), telemetryFlushTimeout)
	defer cancel()
	return errors.Join(err, a.tel.Shutdown(ctx))
}

// MetricsAddr is the address of the separate metrics listener, or "" when
// /metrics is served on the main one.
func (a *App) MetricsAddr() string {
	if a.metrics == nil {
		return ""
	}
	return a.metrics.ln.Addr().String()
}

// Telemetry is the app's tracing, logging and metrics.
func (a *App) Telemetry() *telemetry.Telemetry { return a.tel }
