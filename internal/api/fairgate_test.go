package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
)

// TestOneAddressCannotTakeEveryHashingSlot is the reviewer's case: 30
// parallel failed logins with random usernames from one address, on a
// server checking two passwords at a time, while the administrator logs
// in from eight other addresses. The flood gets 401 or 503, and 429
// once its address's budget is spent (a 503 spends it too, so that a
// looping address is refused before the gate); every one of her logins
// gets 200, none 503.
func TestOneAddressCannotTakeEveryHashingSlot(t *testing.T) {
	const flood, others = 30, 8
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			// The administrator waits for at most one hash of the flood
			// (a 64 MiB Argon2id): seconds on a loaded 2-core machine,
			// beyond the default wait of 2 s.
			s := behindProxyEditing(t, backend, func(c *app.Config) { c.MaxPasswordChecks, c.PasswordSlotWait = 2, 10*time.Second })
			loginFrom(t, s, "198.51.100.250", demo.Doctor, "alice") // the dummy hash and the pools are warm
			var wg sync.WaitGroup
			floodStatus := make([]int, flood)
			for i := range flood {
				wg.Go(func() {
					floodStatus[i] = loginFrom(t, s, "127.0.3.1", fmt.Sprintf("stranger-%d-%d", i, i*7919%1000), "guess").Status
				})
			}
			ownerStatus := make([]int, others)
			for i := range others {
				ownerStatus[i] = loginFrom(t, s, fmt.Sprintf("198.51.100.%d", i+1), demo.Admin, "anna").Status
			}
			wg.Wait()
			count := map[int]int{}
			for _, st := range floodStatus {
				count[st]++
			}
			t.Logf("flood from one address: %v; the administrator from others: %v", count, ownerStatus)
			if count[http.StatusUnauthorized]+count[http.StatusServiceUnavailable]+count[http.StatusTooManyRequests] != flood {
				t.Errorf("flood statuses %v: want only 401, 503 and 429", count)
			}
			for i, st := range ownerStatus {
				if st != http.StatusOK {
					t.Errorf("the administrator's login %d from another address: %d, want 200", i+1, st)
				}
			}
		})
	}
}
