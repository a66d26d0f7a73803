package loadgen_test

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/loadgen"
	"serenade/internal/testsupport/oidctest"
	"serenade/internal/testsupport/pgtest"
)

// The benchmarks here are the make-bench figures that need a load
// generator: each runs Serenade and the limit it is compared with side
// by side on one durable PostgreSQL cluster (fsync on), warm-up first,
// then SERENADE_BENCH_RUNS runs (default 3) of SERENADE_BENCH_SECONDS
// each (default 5), alternating with the limit's runs, and reports the
// medians. Run with -benchtime 1x: the runs are timed, not counted.

const readers = 64 // concurrent clients of the read benchmarks, as pgbench -c 64

// BenchmarkHotReadOIDC is BenchmarkHotRead (internal/app) with an OIDC
// RS256 access token from a real provider's keys instead of a local
// one: GET /api/v1/patients/{id} from 64 clients vs `pgbench -S -c 64`.
// It reports limit/s (pgbench), reads/s, their ratio, p50-ms and p99-ms.
func BenchmarkHotReadOIDC(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		cluster := pgtest.StartDurable(b)
		p := oidctest.Start(b)
		s := apptest.Start(b, apptest.Options{Demo: true, Edit: func(c *app.Config) {
			c.DatabaseURL = durableDatabase(b, cluster)
			c.OIDC = app.OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
		}})
		pg := cluster.Pgbench(b)
		token := p.Mint(b, p.Claims(demo.Doctor, "dottore"))
		var next atomic.Uint64
		target := func(t *vegeta.Target) error { // called by vegeta's workers at once
			t.Method, t.URL = http.MethodGet, s.URL+"/api/v1/patients/"+strconv.FormatUint(1+next.Add(1)%20, 10)
			t.Header = http.Header{"Authorization": {"Bearer " + token}}
			return nil
		}
		sideBySide(b, func(d time.Duration) float64 { return pg.SelectOnly(b, readers, d) }, closedLoop(b, readers, target))
	})
}

// BenchmarkPatientList2k reads the doctor's patient list over HTTP with
// 2,000 patients enrolled (the most a surname sort takes), from 8
// clients: the first page of 50 in enrolment order (page), and sorted by
// surname (by-name: every patient's name decrypted and sorted). The
// limit is the same rows read raw from the same database, from 8
// goroutines: the page's 50 sealed rows, and all 2,000 for by-name.
func BenchmarkPatientList2k(b *testing.B) {
	cluster := pgtest.StartDurable(b)
	s := apptest.Start(b, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.DatabaseURL = durableDatabase(b, cluster) }})
	enrolUpTo(b, s, 2000)
	raw := s.Raw(b)
	token := s.Login(b, demo.Doctor, "alice")
	for _, c := range []struct{ name, query, raw string }{
		{"page", "limit=50", `SELECT id, sealed FROM patients ORDER BY id LIMIT 50`},
		{"by-name", "limit=50&sort=last_name", `SELECT id, sealed FROM patients`},
	} {
		b.Run("postgres/"+c.name, func(b *testing.B) {
			url := s.URL + "/api/v1/patients?" + c.query
			tgt := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url, Header: http.Header{"Authorization": {"Bearer " + token}}})
			sideBySide(b, func(d time.Duration) float64 { return rawReads(b, raw, c.raw, 8, d) }, closedLoop(b, 8, tgt))
		})
	}
}

// BenchmarkMixedWorkload runs the mixed workload (package loadgen) at a
// fixed arrival rate, DefaultRates times SERENADE_BENCH_MIXED_RATE
// (default 1: 14 requests/s), for SERENADE_BENCH_MIXED_SECONDS (default
// 20) per run, and reports per operation the median p99 (<op>-p99-ms)
// and the errors of all runs (<op>-errors). The limit, run in between at
// the same total arrival rate on the same cluster, is PostgreSQL's own
// durable read-write transaction (pgbench's default script):
// limit-p99-ms. offered/s and served/s are the arrival rate and the
// answers per second.
func BenchmarkMixedWorkload(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		cluster := pgtest.StartDurable(b)
		s := startWithStreams(b, "", 7, func(c *app.Config) { c.DatabaseURL = durableDatabase(b, cluster) })
		pg := cluster.Pgbench(b)
		rates := loadgen.Scaled(loadgen.DefaultRates, envFloat(b, "SERENADE_BENCH_MIXED_RATE", 1))
		offered := 0.0
		for _, r := range rates {
			offered += r
		}
		ctx := context.Background()
		w, err := loadgen.New(ctx, s.URL, demoAccounts(b), rates)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Duration(envInt(b, "SERENADE_BENCH_MIXED_SECONDS", 20)) * time.Second
		w.Run(ctx, min(d, 5*time.Second)) // warm-up
		p99s, errs := map[string][]float64{}, map[string]int{}
		var limits, served []float64
		b.ResetTimer()
		for range runs(b) {
			lat := pg.WriteLatencies(b, offered, d)
			limits = append(limits, msOf(lat[len(lat)*99/100]))
			r := w.Run(ctx, d)
			for _, st := range r.Ops {
				p99s[st.Op] = append(p99s[st.Op], msOf(st.P99))
				errs[st.Op] += st.Errors
			}
			served = append(served, float64(r.Total.Requests-r.Total.Errors)/d.Seconds())
		}
		b.StopTimer()
		for op, p := range p99s {
			b.ReportMetric(median(p), op+"-p99-ms")
			b.ReportMetric(float64(errs[op]), op+"-errors")
		}
		b.ReportMetric(median(limits), "limit-p99-ms")
		b.ReportMetric(offered, "offered/s")
		b.ReportMetric(median(served), "served/s")
	})
}
