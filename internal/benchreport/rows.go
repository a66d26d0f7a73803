package benchreport

import (
	"fmt"
	"math"
)

// Row is one line of the table.
type Row struct {
	Figure string  // what was measured, and where
	Value  string  // Serenade's figure, with its unit
	Limit  string  // the limit it is compared with, measured in the same run
	Ratio  float64 // Value over Limit in the row's unit; NaN when the row has none
	Goal   string  // the goal, or "" when the row has none
	Met    string  // "yes", "no", or "" without a goal
	used   []string
}

// replicaMiB is the memory docs/operations.md gives a replica (Argon2id
// takes 64 MiB a login); the operators are told to act above 70 % of it.
const replicaMiB = 512

// mixedP99Goal is the p99 above which docs/operations.md says to act
// (per route, for an hour), in ms.
const mixedP99Goal = 300

// Rows builds the table's rows from the figures read, in a fixed order;
// a row whose benchmark did not run is left out.
func Rows(f Figures) []Row {
	var rows []Row
	add := func(r Row, ok bool) {
		if ok {
			rows = append(rows, r)
		}
	}
	for _, be := range []string{"sqlite", "postgres"} {
		add(perOp(f, "BenchmarkReadPatient/"+be, "BenchmarkRawPointRead/"+be, "read one patient, decrypted, in the store ("+backendName(be)+")"))
		add(perOp(f, "BenchmarkEnrol/"+be, "BenchmarkRawPointRead/"+be, "enrol one patient in the store ("+backendName(be)+")"))
	}
	for _, c := range []struct{ sub, label string }{{"local-token", "local token"}, {"oidc-rs256-token", "OIDC RS256 token"}, {"local-token-unaudited", "local token, audit off"}} {
		add(perOp(f, "BenchmarkGetPatient/"+c.sub, "BenchmarkRawPointRead/sqlite", "GET /patients/{id} in the handler stack, "+c.label+" (SQLite, one core)"))
	}
	add(readsVsLimit(f, "BenchmarkHotRead/postgres", "GET /patients/{id}, 64 clients, local token (PostgreSQL)", "`pgbench -S -c 64`", 0.25, 25))
	add(readsVsLimit(f, "BenchmarkHotReadOIDC/postgres", "GET /patients/{id}, 64 clients, OIDC RS256 token (PostgreSQL)", "`pgbench -S -c 64`", 0.25, 25))
	add(readsVsLimit(f, "BenchmarkHotRead/sqlite", "GET /patients/{id}, 64 clients, local token (SQLite)", "raw point reads", 0, 25))
	add(auditCost(f))
	add(listVsRaw(f, "BenchmarkPatientList2k/postgres/page", "patient list of 2,000, first page of 50, 8 clients (PostgreSQL)"))
	add(listVsRaw(f, "BenchmarkPatientList2k/postgres/by-name", "patient list of 2,000 by surname, page of 50, 8 clients (PostgreSQL)"))
	for _, be := range []string{"sqlite", "postgres"} {
		for _, l := range []string{"patients-page", "patients-page-by-date", "patients-search", "installations-page-by-nickname", "ticket-queue-page"} {
			add(list10k(f, be, l))
		}
	}
	for _, be := range []string{"sqlite", "postgres"} {
		add(pageTTFB(f, be))
	}
	rows = append(rows, mixed(f)...)
	add(ingest(f, "BenchmarkIngest/http", "HTTP ingest, 8 gateways, batches of 1,000 (PostgreSQL)"))
	add(ingest(f, "BenchmarkIngest/mqtt", "MQTT ingest, batches of 1,000 (PostgreSQL)"))
	for _, be := range []string{"sqlite", "postgres"} {
		add(downsample(f, be))
	}
	for _, be := range []string{"sqlite", "postgres"} {
		add(backupVsScan(f, be, "backup-rows/s", "backup"))
		add(backupVsScan(f, be, "restore-rows/s", "restore"))
	}
	for _, be := range []string{"postgres", "sqlite"} {
		add(peakRSS(f, be))
	}
	add(serveRSS(f))
	add(exportRSS(f))
	return rows
}

// perOp: the time of one operation against a raw primary-key read of
// the same database; no goal (the table says how many raw reads one
// operation costs).
func perOp(f Figures, bench, raw, label string) (Row, bool) {
	ns, ok1 := f.Get(bench, "ns/op")
	rawNs, ok2 := f.Get(raw, "ns/op")
	if !ok1 || !ok2 || rawNs <= 0 {
		return Row{}, false
	}
	return Row{Figure: label, Value: num(ns/1000) + " µs/op", Limit: "raw point read " + num(rawNs/1000) + " µs",
		Ratio: ns / rawNs, used: []string{bench, raw}}, true
}

// readsVsLimit: reads/s against limit/s; the goal, when minRatio > 0,
// is that ratio at least and p99 at most maxP99 ms (else only the p99).
func readsVsLimit(f Figures, bench, label, limit string, minRatio, maxP99 float64) (Row, bool) {
	reads, ok1 := f.Get(bench, "reads/s")
	lim, ok2 := f.Get(bench, "limit/s")
	p50, _ := f.Get(bench, "p50-ms")
	p99, ok3 := f.Get(bench, "p99-ms")
	if !ok1 || !ok2 || !ok3 {
		return Row{}, false
	}
	r := Row{Figure: label, Value: fmt.Sprintf("%s reads/s (p50 %s, p99 %s ms)", num(reads), num(p50), num(p99)),
		Limit: fmt.Sprintf("%s %s/s", limit, num(lim)), Ratio: reads / lim, used: []string{bench}}
	if lp99, ok := f.Get(bench, "limit-p99-ms"); ok {
		r.Limit += fmt.Sprintf(" (p99 %s ms)", num(lp99))
	}
	if minRatio > 0 {
		r.Goal = fmt.Sprintf("≥ %.2f, p99 ≤ %s ms", minRatio, num(maxP99))
		r.Met = yes(r.Ratio >= minRatio && p99 <= maxP99)
	} else {
		r.Goal = fmt.Sprintf("p99 ≤ %s ms", num(maxP99))
		r.Met = yes(p99 <= maxP99)
	}
	return r, true
}

func auditCost(f Figures) (Row, bool) {
	a, u := "BenchmarkConcurrentReads/audited", "BenchmarkConcurrentReads/unaudited"
	ra, ok1 := f.Get(a, "reads/s")
	ru, ok2 := f.Get(u, "reads/s")
	if !ok1 || !ok2 {
		return Row{}, false
	}
	return Row{Figure: "64 clients, audited reads (PostgreSQL)", Value: num(ra) + " reads/s", Limit: "the same unaudited " + num(ru) + "/s",
		Ratio: ra / ru, Goal: "≥ 0.50", Met: yes(ra/ru >= 0.5), used: []string{a, u}}, true
}

// listVsRaw: list pages over HTTP against the same rows read raw;
// the lists' bar is a p50 of 50 ms.
func listVsRaw(f Figures, bench, label string) (Row, bool) {
	pages, ok1 := f.Get(bench, "reads/s")
	lim, ok2 := f.Get(bench, "limit/s")
	p50, ok3 := f.Get(bench, "p50-ms")
	if !ok1 || !ok2 || !ok3 {
		return Row{}, false
	}
	return Row{Figure: label, Value: fmt.Sprintf("%s pages/s (p50 %s, p99 %s ms)", num(pages), num(p50), num(must(f, bench, "p99-ms"))),
		Limit: fmt.Sprintf("raw reads of the rows %s/s", num(lim)), Ratio: pages / lim, Goal: "p50 ≤ 50 ms", Met: yes(p50 <= 50), used: []string{bench}}, true
}

func list10k(f Figures, backend, list string) (Row, bool) {
	bench, raw := "BenchmarkLists10k/"+backend+"/"+list, "BenchmarkLists10k/"+backend+"/raw-entries"
	p50, ok1 := f.Get(bench, "p50-ms")
	rawP50, ok2 := f.Get(raw, "p50-ms")
	if !ok1 || !ok2 || rawP50 <= 0 {
		return Row{}, false
	}
	return Row{Figure: fmt.Sprintf("%s of 10,000, one client (%s)", list, backendName(backend)), Value: "p50 " + num(p50) + " ms",
		Limit: "raw entries p50 " + num(rawP50) + " ms", Ratio: p50 / rawP50, Goal: "p50 ≤ 50 ms", Met: yes(p50 <= 50), used: []string{bench, raw}}, true
}

// pageTTFB: the web UI's patient list page (HTML) of 2,000 patients,
// its median time to first byte against the median raw read of the
// page's rows from the same database, in the same loop; no goal.
func pageTTFB(f Figures, backend string) (Row, bool) {
	bench := "BenchmarkPatientListTTFB/" + backend
	p50, ok1 := f.Get(bench, "ttfb-ms")
	lim, ok2 := f.Get(bench, "limit-ms")
	if !ok1 || !ok2 || lim <= 0 {
		return Row{}, false
	}
	return Row{Figure: fmt.Sprintf("web UI patient list page of 2,000 (HTML), time to first byte, one client (%s)", backendName(backend)),
		Value: "median " + num(p50) + " ms", Limit: "raw read of the page's 50 rows, median " + num(lim) + " ms", Ratio: p50 / lim, used: []string{bench}}, true
}

// mixed: one row per operation of the mixed workload, its p99 against
// PostgreSQL's own durable read-write transaction's p99 at the same
// arrival rate.
func mixed(f Figures) []Row {
	const bench = "BenchmarkMixedWorkload/postgres"
	limit, ok := f.Get(bench, "limit-p99-ms")
	offered, _ := f.Get(bench, "offered/s")
	if !ok {
		return nil
	}
	var rows []Row
	for _, op := range []string{"doctor-enrol", "doctor-edit", "installer-reply", "installer-upload", "researcher-screening", "researcher-stream"} {
		p99, ok := f.Get(bench, op+"-p99-ms")
		if !ok {
			continue
		}
		errs, _ := f.Get(bench, op+"-errors")
		rows = append(rows, Row{Figure: fmt.Sprintf("mixed workload at %s req/s: %s (PostgreSQL)", num(offered), op),
			Value: fmt.Sprintf("p99 %s ms, %s errors", num(p99), num(errs)), Limit: "`pgbench` read-write tx p99 " + num(limit) + " ms",
			Ratio: p99 / limit, Goal: fmt.Sprintf("p99 ≤ %d ms, no error", mixedP99Goal), Met: yes(p99 <= mixedP99Goal && errs == 0), used: []string{bench}})
	}
	return rows
}

func ingest(f Figures, bench, label string) (Row, bool) {
	const copyBench = "BenchmarkIngest/copy"
	r, ok1 := f.Get(bench, "readings/s")
	c, ok2 := f.Get(copyBench, "readings/s")
	if !ok1 || !ok2 || c <= 0 {
		return Row{}, false
	}
	// The benchmark's own ratio is to the COPY measured just before it,
	// on the same server; without it, to the COPY row.
	ratio, ok := f.Get(bench, "copy-ratio")
	if !ok {
		ratio = r / c
	}
	return Row{Figure: label, Value: num(r) + " readings/s", Limit: "raw `COPY` " + num(c) + " readings/s", Ratio: ratio,
		Goal: "≥ 0.50", Met: yes(ratio >= 0.5), used: []string{bench, copyBench}}, true
}

func downsample(f Figures, backend string) (Row, bool) {
	bench := "BenchmarkDownsampleYear/" + backend
	p50, ok1 := f.Get(bench, "p50-ms")
	naive, ok2 := f.Get(bench, "naive-p50-ms")
	if !ok1 || !ok2 {
		return Row{}, false
	}
	p99, _ := f.Get(bench, "p99-ms")
	return Row{Figure: "a year per minute to 1,000 buckets over HTTP (" + backendName(backend) + ")", Value: fmt.Sprintf("p50 %s ms (p99 %s)", num(p50), num(p99)),
		Limit: "naive `GROUP BY` " + num(naive) + " ms", Ratio: p50 / naive, Goal: "p50 ≤ 20 ms", Met: yes(p50 <= 20), used: []string{bench}}, true
}

// peakRSS: the serve process's peak resident memory in the short soak
// that make bench runs, against the memory a replica is given.
func peakRSS(f Figures, backend string) (Row, bool) {
	bench := "BenchmarkSoak/" + backend
	peak, ok := f.Get(bench, "peak-rss-MiB")
	if !ok {
		return Row{}, false
	}
	ratio := peak / replicaMiB
	return Row{Figure: "peak RSS of `serenade serve` under homes and users, short soak (" + backendName(backend) + ")", Value: num(peak) + " MiB",
		Limit: fmt.Sprintf("a replica's %d MiB", replicaMiB), Ratio: ratio, Goal: "≤ 0.70", Met: yes(ratio <= 0.7), used: []string{bench}}, true
}

// ingestRSSGoal is issue 10's bound on serve's peak resident memory
// while 8 gateways ingest, in MiB.
const ingestRSSGoal = 256

const serveRSSBench = "BenchmarkServeRSS"

// serveRSS: serve's peak resident memory (a separate process) while 8
// gateways ingest over HTTP.
func serveRSS(f Figures) (Row, bool) {
	peak, ok := f.Get(serveRSSBench, "ingest-peak-rss-MiB")
	if !ok {
		return Row{}, false
	}
	return Row{Figure: "peak RSS of `serenade serve` while 8 gateways ingest (PostgreSQL)", Value: num(peak) + " MiB",
		Limit: fmt.Sprintf("the goal's %d MiB", ingestRSSGoal), Ratio: peak / ingestRSSGoal, Goal: "≤ 1.00", Met: yes(peak <= ingestRSSGoal), used: []string{serveRSSBench}}, true
}

// exportRSS: serve's peak resident memory during a year's CSV export
// against a month's: flat means the export streams.
func exportRSS(f Figures) (Row, bool) {
	month, ok1 := f.Get(serveRSSBench, "csv-month-peak-rss-MiB")
	year, ok2 := f.Get(serveRSSBench, "csv-year-peak-rss-MiB")
	if !ok1 || !ok2 || month <= 0 {
		return Row{}, false
	}
	return Row{Figure: "peak RSS of `serenade serve` exporting a year as CSV (PostgreSQL)", Value: num(year) + " MiB",
		Limit: "a month's export " + num(month) + " MiB", Ratio: year / month, Goal: "≤ 1.10 (flat)", Met: yes(year/month <= 1.1), used: []string{serveRSSBench}}, true
}

func must(f Figures, bench, unit string) float64 {
	v, _ := f.Get(bench, unit)
	return v
}

func backendName(b string) string {
	if b == "postgres" {
		return "PostgreSQL"
	}
	return "SQLite"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// num prints a figure with three significant digits at most (whole
// numbers in full), and thousands separated: 0.0123, 4.56, 78.9, 12,
// 1,234.
func num(x float64) string {
	switch ax := math.Abs(x); {
	case ax == 0:
		return "0"
	case ax >= 1000 || x == math.Trunc(x):
		return thousands(int64(math.Round(x)))
	case ax >= 100:
		return fmt.Sprintf("%.0f", x)
	case ax >= 10:
		return fmt.Sprintf("%.1f", x)
	case ax >= 1:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// backupVsScan: rows/s of a backup or a restore (100,800 readings)
// against a plain full scan of the same database; no goal.
func backupVsScan(f Figures, backend, unit, what string) (Row, bool) {
	bench := "BenchmarkBackupRestore/" + backend
	rate, ok1 := f.Get(bench, unit)
	scan, ok2 := f.Get(bench, "scan-rows/s")
	if !ok1 || !ok2 || scan <= 0 {
		return Row{}, false
	}
	return Row{Figure: what + " of a database with 100,800 readings (" + backendName(backend) + ")", Value: num(rate) + " rows/s",
		Limit: "plain full scan " + num(scan) + " rows/s", Ratio: rate / scan, used: []string{bench}}, true
}
