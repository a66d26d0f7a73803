package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"serenade/internal/api"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/ingest"
	"serenade/internal/server"
	"serenade/internal/simulate"
	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// telemetryFlushTimeout bounds how long stopping waits for the last spans
// to reach the collector.
const telemetryFlushTimeout = 10 * time.Second

// App is a running Serenade server: a group of runners (the HTTP server,
// the metrics server, the audit writer, the key watch, the store and the
// telemetry) started in order and stopped stage by stage. Tests start it
// the way the command does, on 127.0.0.1:0.
type App struct {
	cfg    Config
	log    *slog.Logger
	ln     net.Listener
	srv    *server.Server
	tel    *telemetry.Telemetry
	run    *group
	ready  chan struct{}
	done   chan error
	client *http.Client // outgoing calls (the identity provider)

	metricsAddr string // "" unless SERENADE_METRICS_LISTEN is set

	// Built once by boot (which runs alone) and shared by every entry point.
	trail       audit.Sink               // the audit writer (auditRecorder)
	ingest      *ingest.Service          // sensor ingest (ingestService)
	demoSensors chan simulate.Report     // the demo's sensor data, once sent (serve --demo)
	sensors     *telemetry.SensorMetrics // ingest and device-health series
	silence     *silenceWorker           // the silence sweep

	mu            sync.Mutex // guards what boot publishes and a reload asked for before it
	parts         *parts     // nil until ready
	reloadPending bool       // a key reload was asked for before the store was open
}

// parts is what boot builds; it is published at once, under App.mu, so a
// key reload (SIGHUP) racing with start-up sees all of it or nothing.
type parts struct {
	db   *store.DB
	keys *keyWatch
	api  *api.API
	idp  *auth.OIDCVerifier // nil without an OIDC provider
}

// Start listens at once (so /healthz answers during start-up), then
// opens and migrates the store, seeds demo data if asked, and installs
// the application; /readyz turns 200 then. Cancel ctx to shut down; a
// runner that fails shuts the server down too. Every request is traced
// (OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set) and measured; log
// records logged with a request's context carry its trace, span and
// request ids.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	proxies, err := clientip.New(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: "serenade", Version: cfg.Version, Logger: log, TrustedPeer: proxies.TrustedPeer})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	a := &App{cfg: cfg, log: tel.Logger(), tel: tel, ready: make(chan struct{}), done: make(chan error, 1), client: cfg.outboundClient(),
		demoSensors: make(chan simulate.Report, 1)}
	a.run = newGroup(a.log, cancel)
	a.run.start(closer("telemetry", stageTelemetry, a.flushTelemetry))
	if err := a.listen(proxies); err != nil {
		cancel()
		return nil, errors.Join(err, a.run.stop())
	}
	go func() {
		err := a.boot(ctx)
		if err == nil {
			close(a.ready)
			<-ctx.Done()
		}
		cancel()
		a.done <- errors.Join(err, a.run.stop())
	}()
	a.log.Info("listening", "addr", a.ln.Addr().String())
	return a, nil
}

// listen opens the main and the metrics listeners and starts serving
// them: health and readiness answer from now on.
func (a *App) listen(proxies *clientip.Resolver) error {
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	a.ln = ln
	a.srv = server.New(a.log, serverOptions(a.cfg, proxies))
	a.srv.Wrap(a.observe)
	a.run.start(runner{name: "http server", stage: stageIntake, run: func(ctx context.Context) error {
		return a.srv.Serve(ctx, ln, a.cfg.ShutdownTimeout)
	}})
	m, err := listenMetrics(a.cfg.MetricsListen, a.tel.MetricsHandler(), a.log)
	if err != nil || m == nil {
		return err
	}
	a.metricsAddr = m.ln.Addr().String()
	a.run.start(runner{name: "metrics server", stage: stageIntake, run: m.serve})
	return nil
}

// boot opens the store and builds the application; each part that must
// be stopped is handed to the runner group as soon as it exists.
func (a *App) boot(ctx context.Context) error {
	a.log.Info("opening store", "database", a.cfg.redactedDatabaseURL())
	db, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	a.run.start(closer("store", stageDatabase, db.Close))
	seeded := false

	if err := a.tel.ObserveStatements(db.StatementsPrepared); err != nil {
		return err
	}

	a.sensors = telemetry.NewSensorMetrics(a.tel.Registry())
	if a.cfg.Demo {
		if seeded, err = a.seedDemo(ctx, db); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	h, rest, idp, err := a.buildHandler(ctx, db)
	if err != nil {
		return err
	}
	if err := a.startMQTT(db, a.ingestService(db, a.auditRecorder(db)), a.auditRecorder(db)); err != nil {
		return err
	}
	if seeded && a.cfg.Sensors.DemoDays > 0 {
		a.run.start(a.sendDemoSensors(db, a.ingest))
	}
	keys := newKeyWatch(db, a.log, a.cfg.KeyCheckInterval)
	keys.check(ctx)
	a.run.start(runner{name: "key watch", stage: stageWorkers, run: func(ctx context.Context) error {
		keys.run(ctx)
		return nil
	}})
	a.run.start(a.partitionWorker(db))
	a.silence = a.newSilenceWorker(db, a.auditRecorder(db), a.sensors)
	a.run.start(a.silence.runner())
	a.publish(&parts{db: db, keys: keys, api: rest, idp: idp})
	a.srv.Install(h, a.readiness)
	a.log.Info("ready", "backend", db.Backend())
	return nil
}

// publish makes the parts visible to ReloadKeys and the accessors, and
// carries out a key reload asked for while they were being built.
func (a *App) publish(p *parts) {
	a.mu.Lock()
	a.parts = p
	pending := a.reloadPending
	a.reloadPending = false
	a.mu.Unlock()
	if pending {
		if err := a.reload(p); err != nil {
			a.log.Error("reloading master keys asked for during start-up failed", "err", err)
			return
		}
		a.log.Info("master keys reloaded, as asked for during start-up")
	}
}

func (a *App) current() *parts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.parts
}

// readiness is the probe of /readyz once started: the master keys open
// the data keys in use, the identity provider's signing keys can all be
// used, and the database answers.
func (a *App) readiness(ctx context.Context) error {
	p := a.current()
	if err := p.keys.ready(); err != nil {
		return err
	}
	if p.idp != nil {
		if err := p.idp.Ready(); err != nil {
			return server.NotReady{Detail: err.Error()}
		}
	}
	if err := p.db.CheckRoom(); errors.Is(err, store.ErrStorageFull) {
		return server.NotReady{Detail: "the database's storage is full"}
	} else if err != nil {
		return err
	}
	return p.db.Ping(ctx)
}

// Wait returns when the server stopped (after ctx was cancelled, or
// when start-up or a runner failed), with the error that stopped it.
func (a *App) Wait() error { return <-a.done }

// ReloadKeys re-reads the master key source (SIGHUP). Asked for while
// the store is still opening, the reload is carried out once it is open.
func (a *App) ReloadKeys() error {
	a.mu.Lock()
	p := a.parts
	if p == nil {
		a.reloadPending = true
	}
	a.mu.Unlock()
	if p == nil {
		a.log.Info("master key reload asked for during start-up: it runs once the store is open")
		return nil
	}
	return a.reload(p)
}

// reload re-reads the keys and checks them against the database at once.
func (a *App) reload(p *parts) error {
	err := p.db.ReloadKeys()
	p.keys.check(context.Background())
	return err
}

// serverOptions are the bounds on what one client may hold of the
// server; the trusted proxies carry every client's connections and have
// no per-address cap.
func serverOptions(cfg Config, proxies *clientip.Resolver) server.Options {
	return server.Options{BodyReadTimeout: cfg.BodyReadTimeout, MaxConnections: cfg.MaxConnections,
		MaxPerPeer: cfg.MaxPerClient, Exempt: proxies.Trusts}
}

// flushTelemetry runs last: it exports the spans still buffered.
func (a *App) flushTelemetry() error {
	ctx, cancel := context.WithTimeout(context.Background(), telemetryFlushTimeout)
	defer cancel()
	return a.tel.Shutdown(ctx)
}
