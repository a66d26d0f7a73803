package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"serenade/internal/problem"
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

	db *store.DB // set once ready
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
	a.srv.Install(a.handler(), db.Ping)
	a.log.Info("ready", "backend", db.Backend())
	return nil
}

// handler is the application behind the health endpoints.
func (a *App) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, http.StatusNotFound, "not-found", "no such resource")
	})
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
