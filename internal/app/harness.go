package app

import (
	"serenade/internal/api"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/service"
	"serenade/internal/simulate"
	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// What the test harness (internal/testsupport/apptest) reads of a running
// App. The command needs none of it; this file is the one place where
// production code serves only the tests, and the dead-code check
// (scripts/deadcode.sh) excepts it by name.

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Ready is closed once the application is ready.
func (a *App) Ready() <-chan struct{} { return a.ready }

// Store is the open store (nil until ready).
func (a *App) Store() *store.DB {
	if p := a.current(); p != nil {
		return p.db
	}
	return nil
}

// Study is the study service over the open store (nil until ready), for
// tests that set fixtures up through the same rules as the API.
func (a *App) Study() domain.Study {
	if db := a.Store(); db != nil {
		return service.New(db)
	}
	return nil
}

// API is the REST API (nil until ready).
func (a *App) API() *api.API {
	if p := a.current(); p != nil {
		return p.api
	}
	return nil
}

// MetricsAddr is the address of the separate metrics listener, or "" when
// /metrics is served on the main one.
func (a *App) MetricsAddr() string { return a.metricsAddr }

// Telemetry is the app's tracing, logging and metrics.
func (a *App) Telemetry() *telemetry.Telemetry { return a.tel }

// DemoSensors hands over the report of the demo's sensor data once it is
// sent (serve --demo on an empty database, SensorConfig.DemoDays > 0).
func (a *App) DemoSensors() <-chan simulate.Report { return a.demoSensors }

// Ingest is the sensor ingest service (nil until ready, or when no
// transport uses it), for tests that provision ingest tokens.
func (a *App) Ingest() *ingest.Service {
	if a.current() == nil {
		return nil
	}
	return a.ingest
}

// SilenceRounds is how many silence sweeps this server finished (0
// until ready).
func (a *App) SilenceRounds() int64 {
	if a.silence == nil {
		return 0
	}
	return a.silence.rounds.Load()
}
