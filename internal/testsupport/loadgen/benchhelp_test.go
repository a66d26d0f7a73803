package loadgen_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

// run is one timed run of Serenade: answers per second and the median
// and 99th-percentile latency in ms.
type run struct{ rate, p50, p99 float64 }

// sideBySide warms up, then alternates runs of the limit and of
// Serenade, and reports the medians: limit/s, reads/s, ratio (reads/s
// over limit/s), p50-ms, p99-ms.
func sideBySide(b *testing.B, limit func(time.Duration) float64, serenade func(time.Duration) run) {
	d := benchSeconds(b)
	serenade(min(d, 2*time.Second)) // warm-up: connections, caches
	var limits, rates, p50s, p99s []float64
	b.ResetTimer()
	for range runs(b) {
		limits = append(limits, limit(d))
		r := serenade(d)
		rates, p50s, p99s = append(rates, r.rate), append(p50s, r.p50), append(p99s, r.p99)
	}
	b.StopTimer()
	b.ReportMetric(median(limits), "limit/s")
	b.ReportMetric(median(rates), "reads/s")
	b.ReportMetric(median(rates)/median(limits), "ratio")
	b.ReportMetric(median(p50s), "p50-ms")
	b.ReportMetric(median(p99s), "p99-ms")
}

// closedLoop returns a run of n clients over keep-alive connections,
// each sending its next request when the last is answered (vegeta at
// its maximum rate with n workers). A run with an error fails b.
func closedLoop(b *testing.B, n int, tgt vegeta.Targeter) func(time.Duration) run {
	return func(d time.Duration) run {
		a := vegeta.NewAttacker(vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)), vegeta.Connections(n), vegeta.KeepAlive(true))
		var m vegeta.Metrics
		for r := range a.Attack(tgt, vegeta.Rate{Freq: 0}, d, "closed-loop") {
			m.Add(r)
		}
		m.Close()
		if m.Success < 1 {
			b.Fatalf("closed loop: %.2f%% errors (%v), answers by status %v", 100*(1-m.Success), m.Errors, m.StatusCodes)
		}
		return run{rate: m.Throughput, p50: msOf(m.Latencies.P50), p99: msOf(m.Latencies.P99)}
	}
}

// rawReads runs query from n goroutines for d through database/sql,
// reading every row, and returns the queries per second.
func rawReads(b *testing.B, db *sql.DB, query string, n int, d time.Duration) float64 {
	counts := make([]int, n)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := readAll(db, query); err != nil {
					b.Error(err)
					return
				}
				counts[c]++
			}
		})
	}
	wg.Wait()
	total := 0
	for _, k := range counts {
		total += k
	}
	return float64(total) / time.Since(start).Seconds()
}

func readAll(db *sql.DB, query string) error {
	rows, err := db.QueryContext(context.Background(), query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return err
		}
	}
	return rows.Err()
}

// durableDatabase returns a new database on a durable cluster, after
// checking that the cluster commits durably (fsync on), as production.
func durableDatabase(b *testing.B, cluster *pgtest.Durable) string {
	url := cluster.NewDatabase(b)
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var fsync string
	if err := db.QueryRow(`SHOW fsync`).Scan(&fsync); err != nil || fsync != "on" {
		b.Fatalf("fsync = %q (%v), want on", fsync, err)
	}
	return url
}

// enrolUpTo enrols numbered patients through the study service, 8 at a
// time, until the study has n.
func enrolUpTo(b *testing.B, s *apptest.Server, n int) {
	var have int
	if err := s.Raw(b).QueryRow(`SELECT count(*) FROM patients`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if _, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Numbered(b, i)); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := have; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func benchSeconds(b *testing.B) time.Duration {
	return time.Duration(envInt(b, "SERENADE_BENCH_SECONDS", 5)) * time.Second
}

func runs(b *testing.B) int { return envInt(b, "SERENADE_BENCH_RUNS", 3) }

func envInt(b *testing.B, name string, def int) int {
	return int(envFloat(b, name, float64(def)))
}

func envFloat(b *testing.B, name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return x
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
