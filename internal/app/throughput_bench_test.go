package app_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
)

// clients is how many concurrent clients read patients.
const clients = 64

// BenchmarkConcurrentReads reads patients over HTTP from 64 concurrent
// clients on PostgreSQL, with the audit trail on and (for comparison, in
// the same run) off. It reports reads/s, the p99 latency and the mean
// audit group size; make bench prints audited/unaudited.
func BenchmarkConcurrentReads(b *testing.B) {
	for _, audited := range []bool{true, false} {
		name := map[bool]string{true: "audited", false: "unaudited"}[audited]
		b.Run(name, func(b *testing.B) {
			s := apptest.Start(b, apptest.Options{Backend: "postgres", Demo: true, Edit: func(c *app.Config) {
				c.AuditDisabledForBenchmarks = !audited
			}})
			token := s.Login(b, "dottore-alice", "alice")
			groupsBefore, entriesBefore := auditGroups(b, s)
			lat := readConcurrently(b, s, token)
			groups, entries := auditGroups(b, s)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			if g := groups - groupsBefore; g > 0 {
				b.ReportMetric((entries-entriesBefore)/g, "entries/group")
			}
		})
	}
}

func readConcurrently(b *testing.B, s *apptest.Server, token string) []time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/patients/%d", s.URL, 1+i%20), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(start)
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	return lat
}

// auditGroups reads the audit group-size histogram: groups written and
// entries in them.
func auditGroups(b *testing.B, s *apptest.Server) (groups, entries float64) {
	mfs, err := s.App.Telemetry().Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "serenade_audit_group_size" {
			h := mf.GetMetric()[0].GetHistogram()
			return float64(h.GetSampleCount()), h.GetSampleSum()
		}
	}
	return 0, 0
}
