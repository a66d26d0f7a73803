package simulate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Gateway is one home's way into Serenade: HTTP with its ingest token,
// or MQTT. Send returns once the batch is durable.
type Gateway interface {
	Send(ctx context.Context, batch []Reading) (Ack, error)
}

// Home to simulate: the installation, its gateway and the readings'
// first instant.
type Job struct {
	Target  Target
	Gateway Gateway
	Seed    uint64
}

// Plan is what a run sends.
type Plan struct {
	Days    int       // history to send, ending at Now
	Now     time.Time // the end of the range
	Batch   int       // readings per batch
	Workers int       // homes sent at once
	Faults  Faults
}

// Report is what a run sent and how fast.
type Report struct {
	Homes, Batches       int
	Accepted, Duplicates int64
	Elapsed              time.Duration
}

// Rate is the readings stored per second.
func (r Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Accepted+r.Duplicates) / r.Elapsed.Seconds()
}

// From is where a home's simulated history starts: Days before now, but
// not before a day after its collection started (the user may see the
// start cut to a coarse precision, and readings before it are refused).
func (p Plan) From(t Target) time.Time {
	from := p.Now.AddDate(0, 0, -p.Days)
	if t.CollectionStart != nil {
		if start := t.CollectionStart.Add(24 * time.Hour); start.After(from) {
			from = start
		}
	}
	return from
}

// Run sends every job's readings, Workers homes at a time, each home's
// batches in time order; done is called after each simulated day of a
// home (for a progress bar). The first failure stops the run.
func Run(ctx context.Context, jobs []Job, p Plan, done func()) (Report, error) {
	started := time.Now()
	var accepted, duplicates, batches atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(p.Workers, 1))
	var mu sync.Mutex // done may not be safe for concurrent use
	for _, j := range jobs {
		g.Go(func() error {
			return sendHome(ctx, j, p, func(a Ack) {
				accepted.Add(int64(a.Accepted))
				duplicates.Add(int64(a.Duplicates))
				batches.Add(1)
			}, func() { mu.Lock(); done(); mu.Unlock() })
		})
	}
	err := g.Wait()
	return Report{Homes: len(jobs), Batches: int(batches.Load()), Accepted: accepted.Load(), Duplicates: duplicates.Load(),
		Elapsed: time.Since(started)}, err
}

// sendHome sends one home's history, day by day, in batches of p.Batch.
func sendHome(ctx context.Context, j Job, p Plan, acked func(Ack), dayDone func()) error {
	h := NewHome(j.Seed)
	batch := make([]Reading, 0, p.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		a, err := j.Gateway.Send(ctx, batch)
		if err != nil {
			return fmt.Errorf("home %s: %w", j.Target.Installation, err)
		}
		acked(a)
		batch = batch[:0]
		return nil
	}
	from := p.From(j.Target)
	for day := 0; day < p.Days; day++ {
		dayFrom := p.Now.AddDate(0, 0, day-p.Days)
		dayTo := dayFrom.AddDate(0, 0, 1)
		if dayFrom.Before(from) {
			dayFrom = from
		}
		for r := range h.Readings(dayFrom, dayTo, p.Faults) {
			if batch = append(batch, r); len(batch) == p.Batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		dayDone()
	}
	return flush()
}
