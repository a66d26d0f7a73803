package api_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/password"
	"serenade/internal/testsupport/apptest"
)

// peakHeap samples the heap in use until stop is closed and returns the
// highest figure seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var m runtime.MemStats
		peak := uint64(0)
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return out
}

// TestParallelFailedLoginsStayWithinTheHashingBound sends a hundred
// failed logins at once to a server allowing two password checks at a
// time. Without the bound each holds argon2id's 64 MiB (6 GiB in all);
// with it the heap, sampled throughout, grows by the slots' memory and
// the garbage of checks finished since the last collection, and the
// logins that found no slot in time get 503 with Retry-After, audited.
// All come from one address, whose budget the 401s and 503s spend: the
// rest are refused before the gate (429), audited too.
func TestParallelFailedLoginsStayWithinTheHashingBound(t *testing.T) {
	const slots, parallel = 2, 100
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.MaxPasswordChecks = slots }})
			s.Login(t, "dottore-alice", "alice") // the dummy hash and the pools are warm
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			base := m.HeapInuse
			stop := make(chan struct{})
			peak := peakHeap(stop)
			statuses := make([]int, parallel)
			var wg sync.WaitGroup
			for i := range parallel {
				wg.Go(func() {
					res := postTokenForm(t, s, fmt.Sprintf("stranger-%d", i), "guess")
					statuses[i] = res.Status
					if res.Status == http.StatusServiceUnavailable {
						checkProblem(t, res, http.StatusServiceUnavailable)
						if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 {
							t.Errorf("503 with Retry-After %q", res.Header.Get("Retry-After"))
						}
					}
				})
			}
			wg.Wait()
			close(stop)
			grown := int64(<-peak) - int64(base)
			count := map[int]int{}
			for _, st := range statuses {
				count[st]++
			}
			t.Logf("statuses %v; heap grew by %d MiB at most (%d slots of %d MiB)", count, grown>>20, slots, password.HashMemory>>20)
			if count[http.StatusUnauthorized]+count[http.StatusServiceUnavailable]+count[http.StatusTooManyRequests] != parallel {
				t.Errorf("statuses %v: want only 401, 503 and 429", count)
			}
			if count[http.StatusServiceUnavailable] == 0 {
				t.Errorf("no login of %d at once was turned away with 503 by a bound of %d", parallel, slots)
			}
			// Running checks hold slots × 64 MiB. The collector lets the
			// heap grow to twice what was live at its last run (GOGC),
			// so finished checks' memory may be counted once more; and
			// a margin for the requests themselves.
			if limit := int64((2*slots + 2) * password.HashMemory); grown > limit {
				t.Errorf("heap grew by %d MiB, over %d MiB", grown>>20, limit>>20)
			}
			wantAudited(t, s, count)
		})
	}
}

// wantAudited checks that every login, refused or not, has its entry.
func wantAudited(t *testing.T, s *apptest.Server, count map[int]int) {
	t.Helper()
	entries, err := s.App.Store().QueryAudit(context.Background(), audit.Filter{Action: "auth.login", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]int{}
	for _, e := range entries {
		if e.ActorUsername != "dottore-alice" {
			got[e.Status]++
		}
	}
	for st, n := range count {
		if got[st] != n {
			t.Errorf("%d audit entries with status %d, want %d", got[st], st, n)
		}
	}
}
