package soak

import (
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serenade/internal/testsupport/loadgen"
)

// syntheticRun has windows whose figures are all different, so a
// report that mixed two windows up would show it.
func syntheticRun(n int) Result {
	r := Result{Backend: "postgres"}
	for i := range n {
		r.Samples = append(r.Samples, Sample{End: time.Duration(i+1) * time.Minute, Requests: 800 + i, Errors: i % 3,
			P99: time.Duration(40+7*i) * time.Millisecond, RSSMiB: 100 + 3.5*float64(i*i%11), HomeRuns: 2 + i%2, HomeFailures: i % 4 / 3})
	}
	r.Ops = []loadgen.Stats{{Op: loadgen.OpEnrol, Requests: 600, Errors: 1, P99: 88 * time.Millisecond, Samples: []string{"500 | Internal"}}}
	return r
}

func TestSummariseAddsCountsAndTakesPeaks(t *testing.T) {
	s := Summarise(syntheticRun(5).Samples)
	// requests 800..804, errors 0 1 2 0 1, p99 40 47 54 61 68, RSS 100 103.5 114 131.5 117.5, runs 2 3 2 3 2, failures 0 0 0 1 0
	want := Summary{Requests: 4010, Errors: 4, MedianP99: 54 * time.Millisecond, WorstP99: 68 * time.Millisecond,
		FirstRSS: 100, LastRSS: 117.5, PeakRSS: 131.5, HomeRuns: 12, HomeFailures: 1}
	if s != want {
		t.Errorf("summary %+v, want %+v", s, want)
	}
	if (Summarise(nil) != Summary{}) {
		t.Error("a run without samples has a summary")
	}
}

// The report's head and table say what the samples hold, and the plot
// is a PNG of the size drawn.
func TestWriteReportsTheSamplesAndAPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak-out")
	r := syntheticRun(12)
	r.Stopped = errors.New("exit status 1")
	started := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	s, err := Write(dir, r, started, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if s != Summarise(r.Samples) {
		t.Errorf("Write returned %+v, the samples say %+v", s, Summarise(r.Samples))
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	want := []string{
		"- backend: postgres; started 2026-11-29T18:00:00Z; load for 12m0s in 12 windows of 1m0s",
		fmt.Sprintf("- users: %d requests, %d errors; p99 per window: median %s ms, worst %s ms", s.Requests, s.Errors, msText(s.MedianP99), msText(s.WorstP99)),
		fmt.Sprintf("- server resident memory (VmRSS): first window %.1f MiB, last window %.1f MiB, peak %.1f MiB", s.FirstRSS, s.LastRSS, s.PeakRSS),
		"- server stop: not clean: exit status 1",
		"| doctor-enrol | 600 | 1 | 88.0 | 500 / Internal |",
	}
	for _, x := range r.Samples {
		want = append(want, fmt.Sprintf("| %.0f | %d | %d | %s | %.1f | %d | %d |", x.End.Seconds(), x.Requests, x.Errors, msText(x.P99), x.RSSMiB, x.HomeRuns, x.HomeFailures))
	}
	for _, w := range want {
		if !strings.Contains(text, w+"\n") {
			t.Errorf("report lacks %q:\n%s", w, text)
		}
	}
	f, err := os.Open(filepath.Join(dir, PlotFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 1013 { // 720×760 points at 96 dpi
		t.Errorf("plot is %v, want 960×1013 pixels", b)
	}
}

func TestVmRSSReadsThisProcess(t *testing.T) {
	mib, err := VmRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if mib <= 1 || mib > 1<<20 {
		t.Errorf("this test's resident memory = %v MiB", mib)
	}
	if _, err := VmRSS(1 << 30); err == nil {
		t.Error("a process that does not exist has a resident memory")
	}
}
