package benchreport

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// A make-bench output: section titles, test logs, two results of one
// benchmark (the last counts), and machine facts before and after.
const sample = `serenade-machine-load-start: 1.50 1.20 1.00
serenade-machine-cpu: AMD EPYC
==> hot read path
goos: linux
pkg: serenade/internal/app
BenchmarkHotRead/postgres-2   	       1	9000000000 ns/op	  4000 limit/s	  9.000 p50-ms	  30.00 p99-ms	  0.2 ratio	  800 reads/s
BenchmarkHotRead/postgres-2   	       1	9000000000 ns/op	  4000 limit/s	  8.000 p50-ms	  20.00 p99-ms	  0.3 ratio	  1200 reads/s
    bench_test.go:12: a log line
BenchmarkReadPatient/sqlite-2	10000	250000 ns/op
BenchmarkRawPointRead/sqlite-2	10000	62500 ns/op
BenchmarkIngest/http-2   	     400	  2000000 ns/op	  60000 readings/s
BenchmarkIngest/copy-2   	     400	  1000000 ns/op	  100000 readings/s
BenchmarkIngest/mqtt-2   	     400	  3000000 ns/op	  30000 readings/s	  0.25 copy-ratio
BenchmarkServeRSS-2	200	1000000 ns/op	200 ingest-peak-rss-MiB	180 csv-month-peak-rss-MiB	216 csv-year-peak-rss-MiB
BenchmarkBackupRestore/sqlite-2	1	1000000 ns/op	150000 backup-rows/s	100000 restore-rows/s	300000 scan-rows/s
BenchmarkMixedWorkload/postgres-2	1	6000000000 ns/op	0 doctor-enrol-errors	120 doctor-enrol-p99-ms	2 doctor-edit-errors	90 doctor-edit-p99-ms	100 limit-p99-ms	14 offered/s	14 served/s
BenchmarkSoak/postgres-2	1	60000000000 ns/op	400 peak-rss-MiB	0 errors	55 p99-ms
BenchmarkPatientListTTFB/sqlite-2	200	5000000 ns/op	4.000 ttfb-ms	0.5000 limit-ms	8.000 ratio
BenchmarkSomethingNew/x-2	10	5 ns/op	7 widgets/s
PASS
serenade-machine-load-end: 3.00 2.00 1.00
`

func read(t *testing.T) Output {
	t.Helper()
	out, err := Read(strings.NewReader(sample), "sample")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadKeepsTheLastResultAndEveryMachineFact(t *testing.T) {
	out := read(t)
	if v, _ := out.Figures.Get("BenchmarkHotRead/postgres", "reads/s"); v != 1200 {
		t.Errorf("reads/s = %v, want the last result's 1200", v)
	}
	if v, _ := out.Figures.Get("BenchmarkIngest/http", "ns/op"); v != 2e6 {
		t.Errorf("ns/op = %v, want 2e6 as printed", v)
	}
	want := map[string]string{"load-start": "1.50 1.20 1.00", "cpu": "AMD EPYC", "load-end": "3.00 2.00 1.00"}
	for k, v := range want {
		if out.Machine[k] != v {
			t.Errorf("machine %s = %q, want %q", k, out.Machine[k], v)
		}
	}
}

func TestRowsComputeRatiosAndGoals(t *testing.T) {
	rows := Rows(read(t).Figures)
	by := map[string]Row{}
	for _, r := range rows {
		by[r.Figure] = r
	}
	cases := []struct {
		figure string
		ratio  float64
		met    string
	}{
		{"read one patient, decrypted, in the store (SQLite)", 4, ""},                                        // no goal
		{"GET /patients/{id}, 64 clients, local token (PostgreSQL)", 0.3, "yes"},                             // 1200/4000 ≥ 0.25, p99 20 ≤ 25
		{"HTTP ingest, 8 gateways, batches of 1,000 (PostgreSQL)", 0.6, "yes"},                               // 60000/100000 ≥ 0.5
		{"mixed workload at 14 req/s: doctor-enrol (PostgreSQL)", 1.2, "yes"},                                // p99 120 ≤ 300, no error
		{"mixed workload at 14 req/s: doctor-edit (PostgreSQL)", 0.9, "no"},                                  // 2 errors
		{"peak RSS of `serenade serve` under homes and users, short soak (PostgreSQL)", 400.0 / 512.0, "no"}, // 0.78 > 0.70
		{"MQTT ingest, batches of 1,000 (PostgreSQL)", 0.25, "no"},                                           // its own copy-ratio, not 30000/100000
		{"peak RSS of `serenade serve` while 8 gateways ingest (PostgreSQL)", 200.0 / 256.0, "yes"},
		{"peak RSS of `serenade serve` exporting a year as CSV (PostgreSQL)", 1.2, "no"},             // 216/180 grows with the range
		{"web UI patient list page of 2,000 (HTML), time to first byte, one client (SQLite)", 8, ""}, // 4 ms / 0.5 ms, no goal
		{"backup of a database with 100,800 readings (SQLite)", 0.5, ""},
		{"restore of a database with 100,800 readings (SQLite)", 1.0 / 3.0, ""},
	}
	for _, c := range cases {
		r, ok := by[c.figure]
		if !ok {
			t.Errorf("no row %q in %v", c.figure, rows)
			continue
		}
		if math.Abs(r.Ratio-c.ratio) > 1e-9 || r.Met != c.met {
			t.Errorf("%s: ratio %v met %q, want %v %q", c.figure, r.Ratio, r.Met, c.ratio, c.met)
		}
	}
	if len(rows) != len(cases) {
		t.Errorf("%d rows, want %d (a row without its benchmarks is left out)", len(rows), len(cases))
	}
}

func TestWritePrintsTheMachineTheTableAndWhatNoRowShows(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, read(t)); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		"- load average at start (1, 5, 15 min): 1.50 1.20 1.00", "- load average at end: 3.00 2.00 1.00",
		"| GET /patients/{id}, 64 clients, local token (PostgreSQL) | 1,200 reads/s (p50 8, p99 20 ms) | `pgbench -S -c 64` 4,000/s | 0.3 | ≥ 0.25, p99 ≤ 25 ms | yes |",
		"| read one patient, decrypted, in the store (SQLite) | 250 µs/op | raw point read 62.5 µs | 4 |  |  |",
		"4 of 8 goals met.",
		"- BenchmarkSomethingNew/x: 5 ns/op 7 widgets/s",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "- BenchmarkHotRead/postgres:") {
		t.Errorf("a figure shown in the table is listed again:\n%s", s)
	}
}

func TestNumRoundsToThreeDigitsAndSeparatesThousands(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 0.012345: "0.0123", 4.567: "4.57", 78.94: "78.9", 12: "12", 123.4: "123", 1234567: "1,234,567", -2500: "-2,500"} {
		if got := num(x); got != want {
			t.Errorf("num(%v) = %q, want %q", x, got, want)
		}
	}
}

// The facts printed at the start and the end read back as the report's
// machine.
func TestFactsReadBack(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	var lines []string
	for _, phase := range []string{"start", "end"} {
		l, err := Facts(phase, now)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l...)
	}
	out, err := Read(strings.NewReader(strings.Join(lines, "\n")+"\n"), "facts")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"load-start", "load-end", "cpu", "cores", "memory", "postgresql", "fsync"} {
		if out.Machine[k] == "" {
			t.Errorf("fact %s missing from %q", k, lines)
		}
	}
	if out.Machine["started"] != "2026-11-29T18:00:00Z" || len(strings.Fields(out.Machine["load-end"])) != 3 {
		t.Errorf("facts %v", out.Machine)
	}
}
