package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// stage orders the shutdown: every runner of a stage has returned before
// the runners of the next stage are told to stop. Nothing of a later
// stage may be needed by an earlier one once it stopped: requests need
// the audit writer and the database, the audit writer needs the database,
// and everything may still log and trace until telemetry is flushed.
type stage int

const (
	// stageIntake stops taking work in: the HTTP and metrics listeners
	// stop accepting and drain the requests in flight (later: sensor
	// ingestion stops accepting readings).
	stageIntake stage = iota
	// stageWriters drains what intake handed over to be written in the
	// background (later: the ingestion writers' queues).
	stageWriters
	// stageWorkers stops background work that is not fed by requests: the
	// master key watch (later: silence detection, partition upkeep).
	stageWorkers
	// stageAudit commits the audit entries still queued and stops the
	// audit writer: every answered request's entry is durable before the
	// database closes.
	stageAudit
	// stageDatabase closes the store.
	stageDatabase
	// stageTelemetry flushes the last spans, once nothing else can make
	// any.
	stageTelemetry

	stages // the number of stages
)

var stageNames = [stages]string{"intake", "writers", "workers", "audit", "database", "telemetry"}

func (s stage) String() string { return stageNames[s] }

// runner is one long-lived part of the process. run works until its
// context is cancelled, then releases what it holds and returns; it
// returns earlier only when it failed, which stops the whole process.
type runner struct {
	name  string
	stage stage
	run   func(ctx context.Context) error
}

// closer is a runner for a part that works on its own (or only when
// called) and only needs to be closed at its stage.
func closer(name string, st stage, closeFn func() error) runner {
	return runner{name: name, stage: st, run: func(ctx context.Context) error {
		<-ctx.Done()
		return closeFn()
	}}
}

// running is a started runner.
type running struct {
	runner
	cancel context.CancelFunc
	done   chan error
}

// group runs runners and stops them stage by stage. A runner that
// returns before it was told to stop calls failed, so the process shuts
// down rather than running without one of its parts.
type group struct {
	log    *slog.Logger
	failed func()

	mu       sync.Mutex
	byStage  [stages][]*running
	stopping bool
}

func newGroup(log *slog.Logger, failed func()) *group {
	return &group{log: log, failed: failed}
}

// start runs r. Once stop has begun, r is run and stopped at once, so
// that what it holds is still released.
func (g *group) start(r runner) {
	ctx, cancel := context.WithCancel(context.Background())
	rr := &running{runner: r, cancel: cancel, done: make(chan error, 1)}
	g.mu.Lock()
	stopping := g.stopping
	if !stopping {
		g.byStage[r.stage] = append(g.byStage[r.stage], rr)
	}
	g.mu.Unlock()
	if stopping {
		cancel()
		if err := r.run(ctx); err != nil {
			g.log.Error("stopping "+r.name+" failed", "err", err)
		}
		return
	}
	go func() {
		err := r.run(ctx)
		if ctx.Err() == nil { // returned on its own: the process cannot go on
			g.log.Error(r.name+" stopped unexpectedly", "err", err)
			g.failed()
		}
		rr.done <- err
	}()
}

// stop stops every runner, stage by stage in stage order, and returns
// their errors. It logs each runner as it stopped.
func (g *group) stop() error {
	g.mu.Lock()
	g.stopping = true
	byStage := g.byStage
	g.mu.Unlock()
	var errs []error
	for st, rs := range byStage {
		for _, r := range rs {
			r.cancel()
		}
		for _, r := range rs {
			if err := <-r.done; err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r.name, err))
			}
			g.log.Info("stopped", "runner", r.name, "stage", stage(st).String())
		}
	}
	return errors.Join(errs...)
}
