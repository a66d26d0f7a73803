package benchreport

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Facts are the machine's facts at a phase of the run ("start" or
// "end"), as lines that Read collects ("serenade-machine-cpu: …"). The
// start has the hardware and PostgreSQL's version; both have the load
// average and the time, so the table says how busy the machine was.
func Facts(phase string, now time.Time) ([]string, error) {
	load, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(load))
	if len(f) < 3 {
		return nil, fmt.Errorf("/proc/loadavg: %q", load)
	}
	lines := []string{
		fact("load-"+phase, strings.Join(f[:3], " ")),
		fact(map[string]string{"start": "started", "end": "ended"}[phase], now.UTC().Format(time.RFC3339)),
	}
	if phase != "start" {
		return lines, nil
	}
	lines = append(lines, fact("cpu", cpuModel()), fact("cores", strconv.Itoa(runtime.NumCPU())), fact("memory", memTotal()),
		fact("postgresql", postgresVersion()),
		fact("fsync", "on (the benchmarks start their own PostgreSQL cluster with fsync, synchronous_commit and full_page_writes on, and check it)"))
	return lines, nil
}

func fact(key, value string) string { return factPrefix + key + ": " + value }

// cpuModel is /proc/cpuinfo's first model name.
func cpuModel() string {
	return firstField("/proc/cpuinfo", "model name", func(v string) string { return v })
}

// memTotal is /proc/meminfo's MemTotal in GiB.
func memTotal() string {
	return firstField("/proc/meminfo", "MemTotal", func(v string) string {
		kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		if err != nil {
			return v
		}
		return fmt.Sprintf("%.1f GiB", kb/(1<<20))
	})
}

// firstField returns conv of the value of the first "key: value" line
// of file whose key is key, or "unknown".
func firstField(file, key string, conv func(string) string) string {
	fh, err := os.Open(file)
	if err != nil {
		return "unknown"
	}
	defer fh.Close()
	return scanField(fh, key, conv)
}

func scanField(r io.Reader, key string, conv func(string) string) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return conv(strings.TrimSpace(v))
		}
	}
	return "unknown"
}

// postgresVersion is what the newest installed PostgreSQL server says
// of itself (the one the benchmarks' clusters use), or "not installed".
func postgresVersion() string {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	slices.SortFunc(bins, func(a, b string) int { return majorOf(a) - majorOf(b) })
	if len(bins) == 0 {
		if p, err := exec.LookPath("postgres"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		return "not installed"
	}
	out, err := exec.Command(bins[len(bins)-1], "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(strings.TrimPrefix(string(out), "postgres (PostgreSQL) "))
}

func majorOf(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bin))))
	return n
}
