package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
)

// events records, in order, what the runners of a test did.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// recording is a runner that notes when it was told to stop and when it
// had stopped.
func recording(ev *events, name string, st stage) runner {
	return runner{name: name, stage: st, run: func(ctx context.Context) error {
		<-ctx.Done()
		ev.add("stopping " + name)
		ev.add("stopped " + name)
		return nil
	}}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Runners started in any order stop stage by stage: intake, writers,
// workers, audit, database, telemetry; no runner of a stage is told to
// stop before every runner of the stages before it has returned.
func TestRunnersStopStageByStageWhateverTheOrderTheyStarted(t *testing.T) {
	t.Parallel()
	ev := &events{}
	g := newGroup(quietLog(), func() { t.Error("a runner was taken for failed") })
	started := []struct {
		name string
		st   stage
	}{
		{"telemetry", stageTelemetry}, {"store", stageDatabase}, {"http", stageIntake},
		{"audit", stageAudit}, {"watch", stageWorkers}, {"metrics", stageIntake}, {"ingest-writer", stageWriters},
	}
	for _, s := range started {
		g.start(recording(ev, s.name, s.st))
	}
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	got := ev.list()
	stageOf := map[string]stage{}
	for _, s := range started {
		stageOf[s.name] = s.st
	}
	// Every "stopping" of a stage comes after every "stopped" of the
	// stages before it.
	lastStopped := map[stage]int{}
	for i, e := range got {
		name := e[strings.Index(e, " ")+1:]
		if strings.HasPrefix(e, "stopped ") {
			lastStopped[stageOf[name]] = i
			continue
		}
		for st := stage(0); st < stageOf[name]; st++ {
			if j, ok := lastStopped[st]; !ok || j > i {
				t.Errorf("%s was told to stop before stage %s had stopped: %v", name, st, got)
			}
		}
	}
	if len(got) != 2*len(started) {
		t.Errorf("events = %v, want a stop of each of %d runners", got, len(started))
	}
}

// A runner that returns on its own, while nobody asked it to stop, makes
// the process stop (the group reports it), and its error is returned.
func TestARunnerThatFailsStopsTheProcess(t *testing.T) {
	t.Parallel()
	failed := make(chan struct{})
	g := newGroup(quietLog(), func() { close(failed) })
	ev := &events{}
	g.start(recording(ev, "store", stageDatabase))
	boom := errors.New("listener closed")
	g.start(runner{name: "http", stage: stageIntake, run: func(context.Context) error { return boom }})
	<-failed
	err := g.stop()
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "http") {
		t.Errorf("stop() = %v, want the failed runner's error, named", err)
	}
	if got := ev.list(); !slices.Equal(got, []string{"stopping store", "stopped store"}) {
		t.Errorf("the other runners were not stopped: %v", got)
	}
}

// A part handed over once the shutdown began is stopped at once, so
// what it holds (a store opened by a start-up that was cut short) is
// still released.
func TestARunnerStartedDuringShutdownIsStoppedAtOnce(t *testing.T) {
	t.Parallel()
	g := newGroup(quietLog(), func() { t.Error("a runner was taken for failed") })
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	closed := false
	g.start(closer("store", stageDatabase, func() error { closed = true; return nil }))
	if !closed {
		t.Error("a runner started after stop was not stopped")
	}
}
