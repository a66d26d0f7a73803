package app_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"serenade/internal/testsupport/apptest"
)

// The hot read's clients are wrk's (Debian package wrk): the setting the
// goal was stated in ("64 clients, wrk"), and a load generator in C whose
// threads, unlike goroutines of the server's own process, share neither
// its scheduler nor its garbage collector.

// wrkScript makes wrk cycle GET /api/v1/patients/{id} over the demo
// patients (wrk calls request() for every request of a thread).
const wrkScript = `local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/patients/" .. (n %% %d + 1))
end
`

var (
	wrkRate    = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkPercent = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkFailed  = regexp.MustCompile(`(?m)^\s*(Non-2xx or 3xx responses|Socket errors):.*$`)
	wrkUnits   = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}
)

// wrkResult is one wrk run: requests per second and the latency
// percentiles it printed (--latency).
type wrkResult struct {
	rate     float64
	p50, p99 time.Duration
}

// wrkPatients runs `wrk -t2 -c64 --latency` against the patient read,
// with the caller's bearer token, for d (whole seconds, at least one),
// and fails on any refused or failed request.
func wrkPatients(b *testing.B, s *apptest.Server, token string, d time.Duration) wrkResult {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is not installed (Debian package wrk; scripts/bench.sh installs it)")
	}
	script := filepath.Join(b.TempDir(), "patients.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, demoPatients), 0o600); err != nil {
		b.Fatal(err)
	}
	secs := max(1, int(d.Round(time.Second).Seconds()))
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(clients), "-d"+strconv.Itoa(secs)+"s", "--latency",
		"-s", script, "-H", "Authorization: Bearer "+token, s.URL).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	if wrkFailed.Match(out) {
		b.Fatalf("wrk saw failed requests:\n%s", out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk printed no rate:\n%s", out)
	}
	var r wrkResult
	r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, p := range wrkPercent.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		lat := time.Duration(v * float64(wrkUnits[string(p[3])]))
		if string(p[1]) == "50" {
			r.p50 = lat
		} else {
			r.p99 = lat
		}
	}
	if r.rate == 0 || r.p99 == 0 {
		b.Fatalf("wrk printed no rate or no p99:\n%s", out)
	}
	return r
}
