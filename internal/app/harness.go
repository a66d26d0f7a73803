package app

import (
	"serenade/internal/api"
	"serenade/internal/domain"
	"serenade/internal/service"
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

// SilenceRounds is how many silence sweeps this server finished (0
// until ready).
func (a *App) SilenceRounds() int64 {
	if a.silence == nil {
		return 0
	}
	return a.silence.rounds.Load()
}
