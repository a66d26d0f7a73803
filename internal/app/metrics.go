package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"serenade/internal/telemetry"
)

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

// metricsServer serves /metrics on an address of its own.
type metricsServer struct {
	ln   net.Listener
	http *http.Server
}

// listenMetrics opens the metrics listener; nil when addr is empty
// (/metrics is then served on the main listener).
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
	return &metricsServer{ln: ln, http: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// serve answers until ctx is done, then stops accepting and waits for
// the scrapes in flight.
func (m *metricsServer) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.http.Serve(m.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.http.Shutdown(sctx)
	if err != nil { // a scrape cut short loses nothing: the next one reads the same counters
		err = m.http.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
