package main

import (
	"fmt"
	"hash/fnv"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"serenade/internal/app"
	"serenade/internal/simulate"
)

// simulateFlags are the options of `serenade simulate`.
type simulateFlags struct {
	url, user      string
	homes, days    int
	batch, workers int
	noFaults       bool
	until          string
}

func simulateCommand(e *env) *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "send realistic sensor data for the study's homes through the ingest API",
		Long: "Generate ambient-sensor readings for homes that are collecting data (motion following day and night,\n" +
			"door contacts, plug power, temperature and humidity, with silent sensors and gateway outages) and send\n" +
			"them to a running server through its real ingest path, as the homes' gateways would: log in as an\n" +
			"installer or monitoring user, provision one ingest token per home, post gzip NDJSON batches.\n" +
			"The password is read from SERENADE_SIMULATE_PASSWORD, else from the terminal or standard input.\n" +
			"A home's readings are the same on every run (the home's seed is its reference), so running twice\n" +
			"stores nothing twice.",
		Example: "  SERENADE_SIMULATE_PASSWORD=gennaro serenade simulate --user iit-gennaro --homes 5 --days 28",
		Args:    cobra.NoArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "http://127.0.0.1:8080", "base URL of the running server")
	fl.StringVar(&f.user, "user", "", "local account of an installer or monitoring user (provisions the ingest tokens)")
	fl.IntVar(&f.homes, "homes", 0, "how many collecting homes to simulate (0: all the user sees)")
	fl.IntVar(&f.days, "days", 7, "days of history to send, ending now")
	fl.IntVar(&f.batch, "batch", 1000, "readings per batch")
	fl.IntVar(&f.workers, "workers", 4, "homes sent at once")
	fl.BoolVar(&f.noFaults, "no-faults", false, "no silent sensors or gateway outages")
	fl.StringVar(&f.until, "until", "", "end of the history, RFC 3339 (default: now); the same end sends the same readings")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if f.user == "" || f.days < 1 || f.batch < 1 || f.homes < 0 {
			return fmt.Errorf("%w: simulate needs --user, --days of at least 1, --batch of at least 1", app.ErrUsage)
		}
		return runSimulate(cmd, e, f)
	}
	return cmd
}

func runSimulate(cmd *cobra.Command, e *env, f simulateFlags) error {
	ctx := cmd.Context()
	pw, ok := os.LookupEnv("SERENADE_SIMULATE_PASSWORD")
	if !ok {
		var err error
		if pw, err = readPassword(e); err != nil {
			return err
		}
	}
	c, err := simulate.Login(ctx, f.url, f.user, pw)
	if err != nil {
		return err
	}
	targets, err := c.Homes(ctx)
	if err != nil {
		return err
	}
	if f.homes > 0 && f.homes < len(targets) {
		targets = targets[:f.homes]
	}
	if len(targets) == 0 {
		return fmt.Errorf("no home the user sees is collecting data")
	}
	jobs := make([]simulate.Job, len(targets))
	for i, t := range targets {
		token, err := c.Provision(ctx, t.Installation)
		if err != nil {
			return err
		}
		jobs[i] = simulate.Job{Target: t, Gateway: c.Gateway(token), Seed: seedOf(t.Installation)}
	}
	until := time.Now().UTC()
	if f.until != "" {
		t, err := time.Parse(time.RFC3339, f.until)
		if err != nil {
			return fmt.Errorf("%w: --until: want an RFC 3339 time, got %q", app.ErrUsage, f.until)
		}
		until = t.UTC()
	}
	plan := simulate.Plan{Days: f.days, Now: until, Batch: f.batch, Workers: f.workers, Faults: simulate.AllFaults}
	if f.noFaults {
		plan.Faults = simulate.Faults{}
	}
	bar := progressbar.NewOptions(len(jobs)*f.days, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("home-days"),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	r, err := simulate.Run(ctx, jobs, plan, func() { _ = bar.Add(1) })
	_ = bar.Finish()
	fmt.Fprintf(e.stdout, "%d homes, %d days: %d readings stored, %d already there, in %d batches, %s: %.0f readings/s\n",
		r.Homes, f.days, r.Accepted, r.Duplicates, r.Batches, r.Elapsed.Round(time.Millisecond), r.Rate())
	return err
}

// seedOf is a home's seed: its reference as the user sees it, so the
// same home gets the same readings on every run.
func seedOf(ref string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(ref))
	return h.Sum64()
}
