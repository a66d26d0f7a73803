package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"serenade/internal/testsupport/apptest"
)

// wrkScript cycles GET /api/v1/patients/{id} over the demo patients,
// each connection starting at its own patient.
const wrkScript = `local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/patients/" .. (n % %d + 1))
end
`

var (
	wrkRate    = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkPercent = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkErrors  = regexp.MustCompile(`(?m)Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

// wrkPatients runs wrk (64 connections, 2 threads) against the patient
// read for d and returns its rate and its p50 and p99 latencies.
func wrkPatients(b *testing.B, s *apptest.Server, token string, d time.Duration) (rate float64, p50, p99 time.Duration) {
	script := filepath.Join(b.TempDir(), "patients.lua")
	if err := os.WriteFile(script, []byte(regexpSprintf(wrkScript, demoPatients)), 0o600); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(clients), "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency",
		"-s", script, "-H", "Authorization: Bearer "+token, s.URL).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	if m := wrkErrors.FindSubmatch(out); m != nil {
		b.Fatalf("wrk saw failed requests:\n%s", out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk printed no rate:\n%s", out)
	}
	rate, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, p := range wrkPercent.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(p[3])]
		if string(p[1]) == "50" {
			p50 = time.Duration(v * float64(unit))
		} else {
			p99 = time.Duration(v * float64(unit))
		}
	}
	return rate, p50, p99
}

func regexpSprintf(format string, n int) string {
	return regexp.MustCompile(`%d`).ReplaceAllString(format, strconv.Itoa(n))
}
