package app

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// SilenceConfig sets the silence rule and the worker that opens
// maintenance tickets for silent kits (docs/design.md, "Silence rule and
// maintenance tickets").
type SilenceConfig struct {
	// Threshold: a periodic stream is silent after max(Threshold, 3 ×
	// its cadence) without a reading (SERENADE_SILENCE_THRESHOLD, default
	// 6h, from 1m to 30 days).
	Threshold time.Duration
	// EventSilent: a home with event streams only is silent after this
	// long without any event (SERENADE_EVENT_SILENCE, default 24h, from
	// 1m to 30 days).
	EventSilent time.Duration
	// Interval is how often the worker sweeps (SERENADE_SILENCE_CHECK_INTERVAL,
	// default 1m, from 1s to 1h).
	Interval time.Duration
}

// defaultSilenceInterval is how often the silence worker sweeps by default.
const defaultSilenceInterval = time.Minute

func (s *SilenceConfig) fromEnv(getenv func(string) string) error {
	for _, n := range []struct {
		name     string
		dst      *time.Duration
		min, max time.Duration
	}{
		{"SERENADE_SILENCE_THRESHOLD", &s.Threshold, time.Minute, 30 * 24 * time.Hour},
		{"SERENADE_EVENT_SILENCE", &s.EventSilent, time.Minute, 30 * 24 * time.Hour},
		{"SERENADE_SILENCE_CHECK_INTERVAL", &s.Interval, time.Second, time.Hour},
	} {
		if v := getenv(n.name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < n.min || d > n.max {
				return fmt.Errorf("%s: want a duration from %s to %s, got %q", n.name, n.min, n.max, v)
			}
			*n.dst = d
		}
	}
	return nil
}

// rule is the configured silence rule.
func (s SilenceConfig) rule() domain.SilenceRule {
	return domain.SilenceRule{Threshold: s.Threshold, EventSilent: s.EventSilent}.WithDefaults()
}

// silenceWorker sweeps for silent working installations every interval
// and opens one maintenance ticket on each (service.Health.SweepSilence);
// every ticket it opens is audited as the system principal. A failed
// sweep is logged and counted, and tried again at the next tick; it never
// stops the server. Every replica runs it: the home's row lock and the
// ticket state machine let only one of them open the ticket.
type silenceWorker struct {
	app     *App
	health  *service.Health
	rec     *audit.Recorder
	metrics *telemetry.SensorMetrics
	rounds  atomic.Int64 // sweeps done, for tests
}

func (a *App) newSilenceWorker(db *store.DB, sink audit.Sink, m *telemetry.SensorMetrics) *silenceWorker {
	return &silenceWorker{app: a, health: service.NewHealth(db, a.cfg.Silence.rule()),
		rec: audit.NewRecorder(sink, pseudonym.New(db.PseudonymKey()), nil), metrics: m}
}

func (w *silenceWorker) runner() runner {
	interval := w.app.cfg.Silence.Interval
	if interval <= 0 {
		interval = defaultSilenceInterval
	}
	return runner{name: "silence sweep", stage: stageWorkers, run: func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				w.sweep(ctx)
			}
		}
	}}
}

// sweep runs one sweep and audits the tickets it opened.
func (w *silenceWorker) sweep(ctx context.Context) {
	defer w.rounds.Add(1)
	res, err := w.health.SweepSilence(ctx)
	for _, o := range res.Opened {
		if aerr := w.audit(ctx, o.Ticket); aerr != nil {
			w.app.log.Error("auditing a maintenance ticket opened for a silent kit failed", "err", aerr)
		}
		w.app.log.Info("maintenance ticket opened for a silent installation", "streams", len(o.Silence.Streams))
	}
	if err != nil {
		if ctx.Err() == nil {
			w.app.log.Error("silence sweep failed", "err", err)
		}
		w.metrics.Sweep(0, 0, true)
		return
	}
	w.metrics.Sweep(res.Silent, len(res.Opened), false)
}

// audit records a ticket the sweep opened, as Serenade's own action.
func (w *silenceWorker) audit(ctx context.Context, t domain.Ticket) error {
	ev := w.rec.Begin(audit.System, string(access.TicketOpen), "open-silence-ticket", resource.Ticket.Type())
	ev.Resolved(resource.Ticket, t.ID)
	ev.Concerns(t.PatientID)
	return w.rec.Record(ctx, ev, http.StatusCreated)
}
