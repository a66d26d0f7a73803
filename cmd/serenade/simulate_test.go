package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/testsupport/apptest"
)

// simulate sends two demo homes' readings through the real HTTP ingest
// path; a second run of the same homes and days stores nothing twice.
func TestSimulateSendsThroughTheIngestAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	vars := map[string]string{"SERENADE_SIMULATE_PASSWORD": "gennaro"}
	args := []string{"simulate", "--url", s.URL, "--user", "iit-gennaro", "--homes", "2", "--days", "2", "--batch", "500",
		"--until", time.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)}
	summary := regexp.MustCompile(`(\d+) homes, (\d+) days: (\d+) readings stored, (\d+) already there`)
	stored := func(out string) (n [4]int) {
		m := summary.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no summary in\n%s", out)
		}
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+1])
		}
		return n
	}
	code, out := cli(t, vars, "", args...)
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s", code, out)
	}
	n := stored(out)
	homes, days, first, dup := n[0], n[1], n[2], n[3]
	// Two days of a home's kit: about 2,200 readings a day, fewer with faults.
	if homes != 2 || days != 2 || first < 2*2*1000 || dup != 0 {
		t.Fatalf("first run: %d homes, %d days, %d stored, %d duplicates\n%s", homes, days, first, dup, out)
	}
	code, out = cli(t, vars, "", args...)
	if n := stored(out); code != 0 || n[2] != 0 || n[3] != first {
		t.Fatalf("second run: exit %d, %v; want 0 stored and %d already there\n%s", code, n, first, out)
	}
	if code, out := cli(t, map[string]string{"SERENADE_SIMULATE_PASSWORD": "wrong"}, "", args...); code == 0 || !strings.Contains(out, "401") {
		t.Errorf("a wrong password: exit %d\n%s", code, out)
	}
}
