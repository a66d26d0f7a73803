package api_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// listBenchPatients is the size of the study the list benchmarks read:
// 10,000, or SERENADE_BENCH_LIST_PATIENTS for a quicker look.
var listBenchPatients = func() int {
	if n, err := strconv.Atoi(os.Getenv("SERENADE_BENCH_LIST_PATIENTS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}()

// enrolMany enrols n numbered patients through the study service (the
// rules of an enrolment, each in its own transaction), 8 at a time.
func enrolMany(b *testing.B, s *apptest.Server, n int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Numbered(b, i)); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// p50 serves the request path b.N times through the real handler stack
// (authentication, matrix, store, views, the durable audit entry) and
// reports the median latency in ms; path(i) gives the i-th request,
// and read, when given, is handed each answer's body (untimed).
func p50(b *testing.B, s *apptest.Server, token string, path func(i int) string, read ...func([]byte)) {
	h := s.App.API()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, path(i), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", req.URL, rec.Code, rec.Body)
		}
		for _, f := range read {
			f(rec.Body.Bytes())
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkLists10k reads pages and searches of a study of 10,000
// enrolled patients on each backend, and reports the median of each as
// p50-ms (the bar is 50 ms). raw-entries is this machine's limit
// measured in the same run: the bare SQL read of the 10,000 patients'
// ids and enrolment dates, which every page costs at least.
func BenchmarkLists10k(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			s := apptest.Start(b, apptest.Options{Backend: backend})
			enrolMany(b, s, listBenchPatients)
			const pw = "benchmark password"
			addLocalAccount(b, s, "bench-doctor", pw, false, domain.RoleDoctor)
			addLocalAccount(b, s, "bench-imt", pw, false, domain.RoleMonitoring)
			doctor, imt := s.Login(b, "bench-doctor", pw), s.Login(b, "bench-imt", pw)
			rnd := rand.New(rand.NewPCG(1, 2))
			b.Run("raw-entries", func(b *testing.B) {
				raw := s.App.Store()
				took := make([]time.Duration, 0, b.N)
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if _, err := raw.ListEntries(storetest.Doctor(), domain.ListFilter{}); err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(start))
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			})
			b.Run("patients-page", func(b *testing.B) { // the default order, following the cursors
				var page struct{ Next string }
				p50(b, s, doctor, func(int) string {
					if page.Next == "" {
						return "/api/v1/patients?limit=100"
					}
					return "/api/v1/patients?limit=100&cursor=" + url.QueryEscape(page.Next)
				}, func(body []byte) {
					if err := json.Unmarshal(body, &page); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("patients-page-by-date", func(b *testing.B) {
				p50(b, s, doctor, func(int) string { return "/api/v1/patients?limit=100&sort=-date_join" })
			})
			for _, sort := range []string{"last_activity", "status"} {
				b.Run("patients-page-by-"+sort, func(b *testing.B) {
					p50(b, s, doctor, func(int) string { return "/api/v1/patients?limit=100&sort=" + sort })
				})
			}
			b.Run("installations-page-by-activity", func(b *testing.B) {
				p50(b, s, imt, func(int) string { return "/api/v1/installations?limit=100&sort=last_activity" })
			})
			b.Run("patients-search", func(b *testing.B) {
				p50(b, s, doctor, func(int) string {
					return "/api/v1/patients?q=" + url.QueryEscape(storetest.Numbered(b, rnd.IntN(listBenchPatients)).Identity.LastName)
				})
			})
			b.Run("installations-page-by-nickname", func(b *testing.B) {
				p50(b, s, imt, func(int) string { return "/api/v1/installations?limit=100" })
			})
			b.Run("ticket-queue-page", func(b *testing.B) {
				p50(b, s, imt, func(int) string { return "/api/v1/tickets?limit=100&state=open" })
			})
		})
	}
}
