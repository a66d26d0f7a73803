package pgtest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Pgbench is PostgreSQL's own benchmark on a database of its own on a
// durable cluster (scale 1: 100,000 accounts): the limits Serenade's
// benchmarks are compared with.
type Pgbench struct {
	d         *Durable
	url       string
	perClient int // select-only transactions per client that take about the run's duration
}

// Pgbench initialises pgbench's tables in a new database of d.
func (d *Durable) Pgbench(t testing.TB) *Pgbench {
	t.Helper()
	p := &Pgbench{d: d, url: d.NewDatabase(t)}
	if out, err := d.Command("pgbench", "-i", "-q", p.url).CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	return p
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// SelectOnly runs `pgbench -S -c clients -j 2` (primary-key reads) for
// about d and returns its transactions per second. It counts
// transactions rather than time: on a busy machine connecting 64
// clients can take longer than a timed run; the first call calibrates
// the count.
func (p *Pgbench) SelectOnly(t testing.TB, clients int, d time.Duration) float64 {
	t.Helper()
	if p.perClient == 0 {
		p.perClient = 100
		p.perClient = max(100, int(p.selectOnly(t, clients)*d.Seconds()/float64(clients)))
	}
	return p.selectOnly(t, clients)
}

func (p *Pgbench) selectOnly(t testing.TB, clients int) float64 {
	out, err := p.d.Command("pgbench", "-S", "-n", "-c", strconv.Itoa(clients), "-j", "2", "-t", strconv.Itoa(p.perClient), p.url).CombinedOutput()
	if err != nil {
		t.Fatalf("pgbench -S: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("pgbench printed no tps:\n%s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return tps
}

// WriteLatencies runs pgbench's default read-write transaction (three
// updates, a select and an insert, committed durably) at a fixed
// arrival rate (-R, transactions per second) from 8 clients for d, and
// returns every transaction's latency from its per-transaction log
// (-l), sorted.
func (p *Pgbench) WriteLatencies(t testing.TB, rate float64, d time.Duration) []time.Duration {
	t.Helper()
	dir := t.TempDir()
	secs := strconv.Itoa(max(1, int(d.Seconds())))
	cmd := p.d.Command("pgbench", "-n", "-c", "8", "-j", "2", "-R", strconv.FormatFloat(rate, 'f', 2, 64), "-T", secs,
		"-l", "--log-prefix", filepath.Join(dir, "tx"), p.url)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pgbench -R: %v\n%s", err, out)
	}
	logs, err := filepath.Glob(filepath.Join(dir, "tx.*"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("pgbench wrote no transaction log in %s (%v)", dir, err)
	}
	var lat []time.Duration
	for _, f := range logs {
		lat = append(lat, readTxLog(t, f)...)
	}
	slices.Sort(lat)
	return lat
}

// readTxLog reads a pgbench -l log: "client tx latency_us script
// epoch_s epoch_us [lag_us]" per transaction.
func readTxLog(t testing.TB, name string) []time.Duration {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lat []time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", name, sc.Text(), err)
		}
		lat = append(lat, time.Duration(us)*time.Microsecond)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lat
}
