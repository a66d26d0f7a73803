package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"serenade/internal/api"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/domain"
	"serenade/internal/server"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// App is a running Serenade server. Tests start it the way the command
// does, on 127.0.0.1:0.
type App struct {
	cfg   Config
	log   *slog.Logger
	ln    net.Listener
	srv   *server.Server
	ready chan struct{}
	done  chan error

	tel     *telemetry.Telemetry
	metrics *metricsServer // nil unless SERENADE_METRICS_LISTEN is set

	db      *store.DB          // set once ready
	keys    *keyWatch          // set once ready
	api     *api.API           // set once ready
	auditor *audit.Writer      // set once ready
	idp     *auth.OIDCVerifier // set once ready when an OIDC provider is configured
}

// Start listens at once (so /healthz answers during start-up), then
// opens and migrates the store, seeds demo data if asked, and installs
// the application; /readyz turns 200 then. Cancel ctx to shut down.
// Every request is traced (OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is
// set) and measured; log records logged with a request's context carry
// its trace, span and request ids.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	proxies, err := clientip.New(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: "serenade", Version: Version, Logger: log, TrustedPeer: proxies.TrustedPeer})
	if err != nil {
		return nil, err
	}
	log = tel.Logger()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = tel.Shutdown(ctx)
		return nil, fmt.Errorf("listen: %w", err)
	}
	metrics, err := listenMetrics(cfg.MetricsListen, tel.MetricsHandler(), log)
	if err != nil {
		ln.Close()
		_ = tel.Shutdown(ctx)
		return nil, err
	}
	a := &App{cfg: cfg, log: log, ln: ln, srv: server.New(log, serverOptions(cfg, proxies)), ready: make(chan struct{}), done: make(chan error, 1), tel: tel, metrics: metrics}
	a.srv.Wrap(func(h http.Handler) http.Handler { return a.observe(h) })
	serveCtx, stop := context.WithCancel(ctx)
	if metrics != nil {
		go metrics.serve(serveCtx)
	}
	served := make(chan error, 1)
	go func() { served <- a.srv.Serve(serveCtx, ln, cfg.ShutdownTimeout) }()
	go func() {
		defer stop()
		err := a.boot(serveCtx)
		if err == nil {
			close(a.ready)
			<-serveCtx.Done()
		}
		stop()
		err = errors.Join(err, <-served)
		if a.auditor != nil {
			a.auditor.Close() // after the last request was answered
		}
		if a.db != nil {
			err = errors.Join(err, a.db.Close())
		}
		err = errors.Join(err, a.stopTelemetry()) // flush the last spans
		a.done <- err
	}()
	log.Info("listening", "addr", ln.Addr().String())
	return a, nil
}

func (a *App) boot(ctx context.Context) error {
	a.log.Info("opening store", "database", a.cfg.RedactedDatabaseURL())
	db, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	a.db = db
	if a.cfg.Demo {
		if err := a.seedDemo(ctx, db); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	h, rest, err := a.buildHandler(ctx, db)
	if err != nil {
		return err
	}
	a.api = rest
	a.keys = newKeyWatch(db, a.log, a.cfg.KeyCheckInterval)
	a.keys.check(ctx)
	go a.keys.run(ctx)
	a.srv.Install(h, a.readiness)
	a.log.Info("ready", "backend", db.Backend())
	return nil
}

// readiness is the probe of /readyz once started: the master keys open
// the data keys in use, the identity provider's signing keys can all be
// used, and the database answers.
func (a *App) readiness(ctx context.Context) error {
	if err := a.keys.ready(); err != nil {
		return err
	}
	if a.idp != nil {
		if err := a.idp.Ready(); err != nil {
			return server.NotReady{Detail: err.Error()}
		}
	}
	return a.db.Ping(ctx)
}

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Ready is closed once the application is ready.
func (a *App) Ready() <-chan struct{} { return a.ready }

// Wait returns when the server stopped (after ctx was cancelled, or
// when start-up failed), with the error that stopped it.
func (a *App) Wait() error { return <-a.done }

// ReloadKeys re-reads the master key source (SIGHUP).
func (a *App) ReloadKeys() error {
	if a.db == nil {
		return errors.New("not ready")
	}
	err := a.db.ReloadKeys()
	if a.keys != nil { // nil while the handler is still being built
		a.keys.check(context.Background())
	}
	return err
}

// Store is the open store (nil until ready), for tests.
func (a *App) Store() *store.DB { return a.db }

// Study is the study service over the open store (nil until ready), for
// tests that set fixtures up through the same rules as the API.
func (a *App) Study() domain.Study {
	if a.db == nil {
		return nil
	}
	return service.New(a.db)
}

// API is the REST API (nil until ready), for tests.
func (a *App) API() *api.API { return a.api }

// serverOptions are the bounds on what one client may hold of the
// server; the trusted proxies carry every client's connections and have
// no per-address cap.
func serverOptions(cfg Config, proxies *clientip.Resolver) server.Options {
	return server.Options{BodyReadTimeout: cfg.BodyReadTimeout, MaxConnections: cfg.MaxConnections,
		MaxPerPeer: cfg.MaxPerClient, Exempt: proxies.Trusts}
}
