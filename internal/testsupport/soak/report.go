package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Summary is what the report's head says, computed from the samples.
type Summary struct {
	Requests, Errors       int
	MedianP99, WorstP99    time.Duration
	FirstRSS, LastRSS      float64 // MiB: first and last window's peaks
	PeakRSS                float64 // MiB: the run's peak
	HomeRuns, HomeFailures int
}

// Summarise computes the summary of samples (zero without samples).
func Summarise(samples []Sample) Summary {
	var s Summary
	if len(samples) == 0 {
		return s
	}
	p99s := make([]time.Duration, len(samples))
	for i, x := range samples {
		s.Requests += x.Requests
		s.Errors += x.Errors
		s.HomeRuns += x.HomeRuns
		s.HomeFailures += x.HomeFailures
		s.PeakRSS = max(s.PeakRSS, x.RSSMiB)
		p99s[i] = x.P99
	}
	slices.Sort(p99s)
	s.MedianP99, s.WorstP99 = p99s[len(p99s)/2], p99s[len(p99s)-1]
	s.FirstRSS, s.LastRSS = samples[0].RSSMiB, samples[len(samples)-1].RSSMiB
	return s
}

// ReportFile and PlotFile are the names Write gives its files in dir.
const (
	ReportFile = "report.md"
	PlotFile   = "soak.png"
)

// Write writes the report (Markdown) and its plot (PNG) of r into dir,
// creating it, and returns the summary it printed.
func Write(dir string, r Result, started time.Time, window time.Duration) (Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, err
	}
	if err := plotSamples(filepath.Join(dir, PlotFile), r.Samples); err != nil {
		return Summary{}, err
	}
	s := Summarise(r.Samples)
	return s, os.WriteFile(filepath.Join(dir, ReportFile), []byte(markdown(r, s, started, window)), 0o644)
}

func markdown(r Result, s Summary, started time.Time, window time.Duration) string {
	var b strings.Builder
	var length time.Duration
	if n := len(r.Samples); n > 0 {
		length = r.Samples[n-1].End
	}
	stop := "clean (SIGTERM, drained)"
	if r.Stopped != nil {
		stop = "not clean: " + r.Stopped.Error()
	}
	fmt.Fprintf(&b, "# Soak report\n\n")
	fmt.Fprintf(&b, "- backend: %s; started %s; load for %s in %d windows of %s\n", r.Backend, started.UTC().Format(time.RFC3339),
		length.Round(time.Second), len(r.Samples), window)
	fmt.Fprintf(&b, "- users: %d requests, %d errors; p99 per window: median %s ms, worst %s ms\n", s.Requests, s.Errors, msText(s.MedianP99), msText(s.WorstP99))
	fmt.Fprintf(&b, "- homes: %d simulate runs, %d failed\n", s.HomeRuns, s.HomeFailures)
	fmt.Fprintf(&b, "- server resident memory (VmRSS): first window %.1f MiB, last window %.1f MiB, peak %.1f MiB\n", s.FirstRSS, s.LastRSS, s.PeakRSS)
	fmt.Fprintf(&b, "- server stop: %s\n\n![errors, p99 and resident memory per window](%s)\n\n", stop, PlotFile)
	b.WriteString("| window end (s) | requests | errors | p99 (ms) | peak RSS (MiB) | simulate runs | failed |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, x := range r.Samples {
		fmt.Fprintf(&b, "| %.0f | %d | %d | %s | %.1f | %d | %d |\n", x.End.Seconds(), x.Requests, x.Errors, msText(x.P99), x.RSSMiB, x.HomeRuns, x.HomeFailures)
	}
	if len(r.Ops) > 0 {
		b.WriteString("\n| operation | requests | errors | worst window's p99 (ms) | first error |\n|---|--:|--:|--:|---|\n")
		for _, o := range r.Ops {
			first := ""
			if len(o.Samples) > 0 {
				first = strings.ReplaceAll(o.Samples[0], "|", "/")
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", o.Op, o.Requests, o.Errors, msText(o.P99), first)
		}
	}
	return b.String()
}

func msText(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
