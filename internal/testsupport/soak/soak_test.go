package soak

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/testsupport/loadgen"
	"serenade/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// buildServe builds the serenade binary once per test process.
var buildServe = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "serenade-soak-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "serenade")
	if out, err := exec.Command("go", "build", "-o", bin, "serenade/cmd/serenade").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func demoConfig(t testing.TB, dir string) Config {
	bin, err := buildServe()
	if err != nil {
		t.Fatal(err)
	}
	acc := func(name string) loadgen.Account {
		a, _ := demo.AccountNamed(name)
		return loadgen.Account{Username: a.Username, Password: a.Password}
	}
	return Config{Binary: bin, Dir: dir, Window: time.Minute, Homes: 5, HistoryDays: 7, Rate: 1,
		Accounts:  loadgen.Accounts{Doctor: acc(demo.Doctor), Installer: acc(demo.Installer), Researcher: acc(demo.Researcher)},
		Installer: acc(demo.Installer)}
}

// A soak of a few seconds on a real serve process (SQLite): three
// windows, each with users' requests and the server's memory, no error,
// a clean stop, and a report whose numbers are the samples'.
func TestShortSoakSamplesTheServerAndReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := demoConfig(t, dir)
	cfg.Duration, cfg.Window, cfg.Homes, cfg.HistoryDays = 6*time.Second, 2*time.Second, 1, 1
	started := time.Now()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Backend != "sqlite" || len(r.Samples) != 3 || r.Stopped != nil {
		t.Fatalf("backend %s, %d samples, stopped with %v; want sqlite, 3, nil", r.Backend, len(r.Samples), r.Stopped)
	}
	for i, s := range r.Samples {
		if s.Requests == 0 || s.Errors != 0 || s.P99 <= 0 || s.RSSMiB < 5 || s.HomeFailures != 0 {
			t.Errorf("window %d: %+v", i, s)
		}
	}
	out := filepath.Join(dir, "soak-out")
	s, err := Write(out, r, started, cfg.Window)
	if err != nil {
		t.Fatal(err)
	}
	if s.Requests != r.Samples[0].Requests+r.Samples[1].Requests+r.Samples[2].Requests || s.Errors != 0 ||
		s.PeakRSS != max(r.Samples[0].RSSMiB, r.Samples[1].RSSMiB, r.Samples[2].RSSMiB) {
		t.Errorf("summary %+v of samples %+v", s, r.Samples)
	}
	for _, f := range []string{ReportFile, PlotFile} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSoak is `make soak`: SOAK_DURATION (e.g. 10m) of homes and users on
// a serve process on a durable PostgreSQL cluster (SOAK_BACKEND=sqlite for
// the embedded database), the report in SOAK_OUT. SOAK_WINDOW (1m),
// SOAK_HOMES (5), SOAK_HISTORY_DAYS (7) and SOAK_RATE (1, a multiple of
// loadgen.DefaultRates) change the load. It prints its figures
// as a benchmark line for make bench's table. Skipped without
// SOAK_DURATION: it is not part of the test suite.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("SOAK_DURATION"))
	if err != nil {
		t.Skip("SOAK_DURATION not set: run with make soak")
	}
	dir := t.TempDir()
	cfg := demoConfig(t, dir)
	cfg.Duration = d
	cfg.Window = min(cfg.Window, d)
	if w, err := time.ParseDuration(os.Getenv("SOAK_WINDOW")); err == nil && w > 0 {
		cfg.Window = w
	}
	if n, err := strconv.Atoi(os.Getenv("SOAK_HOMES")); err == nil && n > 0 {
		cfg.Homes = n
	}
	if n, err := strconv.Atoi(os.Getenv("SOAK_HISTORY_DAYS")); err == nil && n > 0 {
		cfg.HistoryDays = n
	}
	if k, err := strconv.ParseFloat(os.Getenv("SOAK_RATE"), 64); err == nil && k > 0 {
		cfg.Rate = k
	}
	if os.Getenv("SOAK_BACKEND") != "sqlite" {
		cfg.DatabaseURL = pgtest.StartDurable(t).NewDatabase(t)
	}
	out := os.Getenv("SOAK_OUT")
	if out == "" {
		out = filepath.Join("..", "..", "..", "soak-out")
	}
	started := time.Now()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Write(out, r, started, cfg.Window)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(out, ReportFile))
	t.Logf("report: %s", abs)
	fmt.Printf("BenchmarkSoak/%s\t1\t%d ns/op\t%.1f peak-rss-MiB\t%.1f first-rss-MiB\t%.1f last-rss-MiB\t%.1f p99-ms\t%.1f worst-p99-ms\t%d errors\t%d requests\n",
		r.Backend, time.Since(started).Nanoseconds(), s.PeakRSS, s.FirstRSS, s.LastRSS, ms(s.MedianP99), ms(s.WorstP99), s.Errors, s.Requests)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
