// Package soak keeps a real `serenade serve` process busy for a long
// time with simulated homes (`serenade simulate`, sending sensor
// readings) and simulated staff (the mixed workload of package loadgen)
// and samples, window by window, the errors, the p99 latency and the
// server's resident memory; it writes a small Markdown report with a
// PNG plot. `make soak` runs it (SOAK_DURATION, default 10m); it is not
// part of CI.
package soak

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"serenade/internal/testsupport/loadgen"
)

// Config is one soak run.
type Config struct {
	Binary      string        // the serenade binary to run
	Dir         string        // working directory: data, server.log
	DatabaseURL string        // PostgreSQL; "" for the embedded SQLite
	Duration    time.Duration // how long the homes and users run
	Window      time.Duration // one sample per window (a minute)
	Homes       int           // homes `serenade simulate` sends for, again and again
	HistoryDays int           // days of history the homes send before the load starts
	Rate        float64       // the users' arrival rates: loadgen.DefaultRates times Rate
	Accounts    loadgen.Accounts
	Installer   loadgen.Account // simulate logs in as this installer
}

// Sample is one window of the run.
type Sample struct {
	End          time.Duration // end of the window, from the start of the load
	Requests     int           // users' requests answered or failed in the window
	Errors       int           // of which failed (transport error or status ≥ 400)
	P99          time.Duration // users' 99th-percentile latency in the window
	RSSMiB       float64       // the server's peak resident memory in the window
	HomeRuns     int           // simulate runs that ended in the window
	HomeFailures int           // of which failed
}

// Result is a finished run.
type Result struct {
	Backend string // "postgres" or "sqlite"
	Samples []Sample
	Ops     []loadgen.Stats // the users' operations over the whole run (p99: the worst window's)
	Stopped error           // how the server ended after SIGTERM (nil: cleanly)
}

// Run starts the server, runs the homes and the users for cfg.Duration
// and stops the server. A failure to start (the server, the workload)
// is an error; failures during the run are counted in the samples.
func Run(ctx context.Context, cfg Config) (Result, error) {
	srv, err := startServer(ctx, cfg.Binary, cfg.Dir, cfg.DatabaseURL)
	if err != nil {
		return Result{}, err
	}
	res := Result{Backend: "sqlite"}
	if cfg.DatabaseURL != "" {
		res.Backend = "postgres"
	}
	if err := simulate(ctx, cfg, srv.base, cfg.HistoryDays).Run(); err != nil {
		return res, errors.Join(fmt.Errorf("sending the homes' history: %w", err), srv.stop())
	}
	w, err := loadgen.New(ctx, srv.base, cfg.Accounts, loadgen.Scaled(loadgen.DefaultRates, cfg.Rate))
	if err != nil {
		return res, errors.Join(err, srv.stop())
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	homes := startHomes(loadCtx, cfg, srv.base)
	rss := startRSS(loadCtx, srv.cmd.Process.Pid)
	start := time.Now()
	for time.Since(start) < cfg.Duration && ctx.Err() == nil {
		d := min(cfg.Window, cfg.Duration-time.Since(start))
		r := w.Run(ctx, d)
		runs, failures := homes.take()
		res.Samples = append(res.Samples, Sample{End: time.Since(start), Requests: r.Total.Requests, Errors: r.Total.Errors,
			P99: r.Total.P99, RSSMiB: rss.take(), HomeRuns: runs, HomeFailures: failures})
		res.Ops = merge(res.Ops, r.Ops)
	}
	stopLoad()
	homes.wait()
	res.Stopped = srv.stop()
	return res, nil
}

// merge adds a window's per-operation figures to the run's: counts add
// up, latencies keep the worst window's.
func merge(run, window []loadgen.Stats) []loadgen.Stats {
	if run == nil {
		return window
	}
	for i := range run {
		for _, w := range window {
			if w.Op == run[i].Op {
				run[i].Requests += w.Requests
				run[i].Errors += w.Errors
				run[i].P50, run[i].P99, run[i].Max = max(run[i].P50, w.P50), max(run[i].P99, w.P99), max(run[i].Max, w.Max)
				if len(run[i].Samples) == 0 {
					run[i].Samples = w.Samples
				}
			}
		}
	}
	return run
}

// homes runs `serenade simulate` for the last day of cfg.Homes homes
// again and again until ctx ends, counting the runs.
type homes struct {
	runs, failures atomic.Int64
	done           chan struct{}
}

func startHomes(ctx context.Context, cfg Config, base string) *homes {
	h := &homes{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for ctx.Err() == nil {
			err := simulate(ctx, cfg, base, 1).Run()
			if ctx.Err() != nil {
				return // cut by the end of the run: not a failure
			}
			h.runs.Add(1)
			if err != nil {
				h.failures.Add(1)
				time.Sleep(time.Second)
			}
		}
	}()
	return h
}

// simulate is `serenade simulate` of the last days of cfg.Homes homes,
// ending now, as cfg.Installer.
func simulate(ctx context.Context, cfg Config, base string, days int) *exec.Cmd {
	cmd := exec.CommandContext(ctx, cfg.Binary, "simulate", "--url", base, "--user", cfg.Installer.Username,
		"--homes", strconv.Itoa(cfg.Homes), "--days", strconv.Itoa(max(days, 1)), "--workers", "2")
	cmd.Env = append(os.Environ(), "SERENADE_SIMULATE_PASSWORD="+cfg.Installer.Password)
	return cmd
}

// take returns the runs and failures since the last take.
func (h *homes) take() (int, int) { return int(h.runs.Swap(0)), int(h.failures.Swap(0)) }

func (h *homes) wait() { <-h.done }

// rssPeak samples the server's VmRSS every 500 ms and keeps the peak.
type rssPeak struct {
	pid  int
	mu   sync.Mutex
	peak float64
}

func (r *rssPeak) sample() {
	if mib, err := VmRSS(r.pid); err == nil {
		r.mu.Lock()
		r.peak = max(r.peak, mib)
		r.mu.Unlock()
	}
}

func startRSS(ctx context.Context, pid int) *rssPeak {
	r := &rssPeak{pid: pid}
	r.sample()
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r.sample()
			}
		}
	}()
	return r
}

// take returns the peak since the last take (with a sample taken now),
// and starts the next window.
func (r *rssPeak) take() float64 {
	r.sample()
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.peak
	r.peak = 0
	return p
}
