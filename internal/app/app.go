package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"serenade/internal/api"
	"serenade/internal/server"
	"serenade/internal/store"
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

	db  *store.DB // set once ready
	api *api.API  // set once ready
}

// Start listens at once (so /healthz answers during start-up), then
// opens and migrates the store, seeds demo data if asked, and installs
// the application; /readyz turns 200 then. Cancel ctx to shut down.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	a := &App{cfg: cfg, log: log, ln: ln, srv: server.New(log), ready: make(chan struct{}), done: make(chan error, 1)}
	serveCtx, stop := context.WithCancel(ctx)
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
		if a.db != nil {
			err = errors.Join(err, a.db.Close())
		}
		a.done <- err
	}()
	log.Info("listening", "addr", ln.Addr().String())
	return a, nil
}

func (a *App) boot(ctx context.Context) error {
	a.log.Info("opening store", "database", a.cfg.RedactedDatabaseURL())
	db, err := a.cfg.OpenStore(ctx, a.log)
	if err != nil {
		return err
	}
	a.db = db
	if a.cfg.Demo {
		if err := seedDemo(ctx, db, a.log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	h, rest, err := a.buildHandler(ctx, db)
	if err != nil {
		return err
	}
	a.api = rest
	a.srv.Install(h, db.Ping)
	a.log.Info("ready", "backend", db.Backend())
	return nil
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
	return a.db.ReloadKeys()
}

// Store is the open store (nil until ready), for tests.
func (a *App) Store() *store.DB { return a.db }

// API is the REST API (nil until ready), for tests.
func (a *App) API() *api.API { return a.api }
