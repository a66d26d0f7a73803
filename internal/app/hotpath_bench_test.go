package app_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
)

// The hot read path side by side with the database's own speed, in one
// run on one machine: `make bench` prints the ratios. Each measurement
// runs for benchSeconds (SERENADE_BENCH_SECONDS, default 5) after a
// warm-up, benchRuns times (SERENADE_BENCH_RUNS, default 3), alternating
// with the baseline's runs; the medians are reported. Run with
// -benchtime 1x: the runs are timed, not counted.

// demoPatients is how many demo patients the readers cycle through.
const demoPatients = 20

// BenchmarkHotRead measures GET /api/v1/patients/{id} (authenticated,
// authorised, decrypted and audited, durable before the answer) from 64
// concurrent HTTP clients (wrk's, over keep-alive connections; its rate
// and latency percentiles), and the limit it is compared with:
//
//   - postgres: `pgbench -S -c 64 -j 2` on the same durable cluster
//     (fsync on), which answers the primary-key read of a 100,000-row table;
//   - sqlite: the primary-key read of a patient row through database/sql
//     from 64 goroutines, on the same database file.
//
// It reports the limit's rate (limit/s), Serenade's (reads/s), their
// ratio and Serenade's p50 and p99 latency in milliseconds.
func BenchmarkHotRead(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		cluster := pgtest.StartDurable(b)
		s := startBenchServer(b, cluster.NewDatabase(b))
		pgbench := newPgbench(b, cluster)
		compare(b, s, pgbench.run)
	})
	b.Run("sqlite", func(b *testing.B) {
		s := startBenchServer(b, "")
		raw, err := sql.Open("sqlite", "file:"+s.StorePath()+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { raw.Close() })
		raw.SetMaxIdleConns(clients)
		compare(b, s, func(b *testing.B, d time.Duration) (float64, time.Duration) { return rawPointReads(b, raw, d), 0 })
	})
}

// startBenchServer starts a server with the demo data, on PostgreSQL at
// url, or on SQLite when url is "".
func startBenchServer(b *testing.B, url string) *apptest.Server {
	return apptest.Start(b, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		if url != "" {
			c.DatabaseURL = url
		}
	}})
}

// compare alternates runs of the limit and of Serenade and reports the
// medians. limit returns its rate and, when it measures one, its p99
// latency (reported as limit-p99-ms: the same machine's floor for
// Serenade's p99).
func compare(b *testing.B, s *apptest.Server, limit func(*testing.B, time.Duration) (float64, time.Duration)) {
	token := s.Login(b, demo.Doctor, "alice")
	d, runs := benchDuration(b), benchRuns(b)
	wrkPatients(b, s, token, min(d, 2*time.Second)) // warm-up: connections, caches
	var limits, limitP99s, rates, p50s, p99s []float64
	groups, entries, seconds := auditWrites(b, s)
	b.ResetTimer()
	for range runs {
		rate, p99 := limit(b, d)
		limits, limitP99s = append(limits, rate), append(limitP99s, ms(p99))
		r := wrkPatients(b, s, token, d)
		rates, p50s, p99s = append(rates, r.rate), append(p50s, ms(r.p50)), append(p99s, ms(r.p99))
	}
	b.StopTimer()
	groups2, entries2, seconds2 := auditWrites(b, s)
	if g := groups2 - groups; g > 0 {
		b.ReportMetric((entries2-entries)/g, "entries/group")
		b.ReportMetric(1000*(seconds2-seconds)/g, "ms/group")
	}
	b.ReportMetric(median(limits), "limit/s")
	if p := median(limitP99s); p > 0 {
		b.ReportMetric(p, "limit-p99-ms")
	}
	b.ReportMetric(median(rates), "reads/s")
	b.ReportMetric(median(rates)/median(limits), "ratio")
	b.ReportMetric(median(p50s), "p50-ms")
	b.ReportMetric(median(p99s), "p99-ms")
}

// rawPointReads reads patient rows by primary key from 64 goroutines for
// d and returns the reads per second.
func rawPointReads(b *testing.B, raw *sql.DB, d time.Duration) float64 {
	counts := make([]int, clients)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; time.Now().Before(deadline); i += clients {
				var sealed []byte
				err := raw.QueryRowContext(context.Background(), `SELECT sealed FROM patients WHERE id = $1`, 1+i%demoPatients).Scan(&sealed)
				if err != nil {
					b.Error(err)
					return
				}
				counts[c]++
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return float64(total) / time.Since(start).Seconds()
}

// pgbench runs PostgreSQL's own benchmark against a database of its own
// on the durable cluster.
type pgbench struct {
	cluster   *pgtest.Durable
	url       string
	perClient int // transactions per client that take about the run's duration
}

// newPgbench initialises pgbench's tables (scale 1: 100,000 accounts).
func newPgbench(b *testing.B, cluster *pgtest.Durable) *pgbench {
	p := &pgbench{cluster: cluster, url: cluster.NewDatabase(b)}
	if out, err := cluster.Command("pgbench", "-i", "-q", p.url).CombinedOutput(); err != nil {
		b.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	return p
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// run runs `pgbench -S -c 64 -j 2` (select-only, 64 clients, 2 threads)
// for about d and returns its transactions per second and the p99 of its
// transactions' latencies (from its per-transaction log, -l). It counts
// transactions (-t) rather than time (-T): on a busy machine connecting
// 64 clients can take longer than a timed run, which then measures
// nothing; pgbench's rate leaves the connection time out either way. The
// first call calibrates the count.
func (p *pgbench) run(b *testing.B, d time.Duration) (float64, time.Duration) {
	if p.perClient == 0 {
		p.perClient = 100
		tps, _ := p.tps(b)
		p.perClient = max(100, int(tps*d.Seconds()/clients))
	}
	return p.tps(b)
}

func (p *pgbench) tps(b *testing.B) (float64, time.Duration) {
	logs := b.TempDir()
	out, err := p.cluster.Command("pgbench", "-S", "-n", "-c", strconv.Itoa(clients), "-j", "2", "-t", strconv.Itoa(p.perClient),
		"-l", "--log-prefix="+filepath.Join(logs, "pgbench"), p.url).CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench -S: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("pgbench printed no tps:\n%s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return tps, pgbenchP99(b, logs)
}

// pgbenchP99 reads pgbench's per-transaction logs in dir (one file per
// thread; the third field of a line is the latency in microseconds, per
// the pgbench documentation) and returns their 99th percentile.
func pgbenchP99(b *testing.B, dir string) time.Duration {
	files, err := filepath.Glob(filepath.Join(dir, "pgbench*"))
	if err != nil || len(files) == 0 {
		b.Fatalf("pgbench wrote no transaction log in %s (%v)", dir, err)
	}
	var lat []time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			fields := strings.Fields(line)
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				b.Fatalf("pgbench log line %q: %v", line, err)
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
	}
	slices.Sort(lat)
	return lat[len(lat)*99/100]
}

func benchDuration(b *testing.B) time.Duration {
	return time.Duration(envInt(b, "SERENADE_BENCH_SECONDS", 5)) * time.Second
}

func benchRuns(b *testing.B) int { return envInt(b, "SERENADE_BENCH_RUNS", 3) }

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// auditWrites reads the audit writer's histograms: groups written,
// entries in them, and seconds their transactions took.
func auditWrites(b *testing.B, s *apptest.Server) (groups, entries, seconds float64) {
	mfs, err := s.App.Telemetry().Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		switch h := mf.GetMetric()[0].GetHistogram(); mf.GetName() {
		case "serenade_audit_group_size":
			groups, entries = float64(h.GetSampleCount()), h.GetSampleSum()
		case "serenade_audit_write_seconds":
			seconds = h.GetSampleSum()
		}
	}
	return groups, entries, seconds
}
