package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"serenade/internal/testsupport/pgtest"
)

// BenchmarkServeRSS measures the peak resident memory of `serenade
// serve` as a separate process on PostgreSQL (VmHWM of /proc/PID/status,
// reset through /proc/PID/clear_refs before each phase):
//
//   - while 8 gateways send b.N batches of 1,000 readings over HTTP
//     (ingest-peak-rss-MiB; goal at most 256 MiB);
//   - while a doctor downloads one stream's CSV export of a month and of
//     a year of per-minute readings (525,600; written straight into the
//     database beforehand): csv-month-peak-rss-MiB and
//     csv-year-peak-rss-MiB, flat when the export streams.
//
// It reports the figures; nothing here asserts them.
func BenchmarkServeRSS(b *testing.B) {
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	dbURL := pgtest.New(b)
	addr := freeAddr(b)
	srv := exec.Command(bin, "serve", "--demo", "--listen", addr)
	var logs bytes.Buffer
	srv.Env = append(os.Environ(), "SERENADE_DATA_DIR="+b.TempDir(), "SERENADE_DATABASE_URL="+dbURL,
		"SERENADE_INGEST_MAX_IN_FLIGHT=8", "SERENADE_DEMO_SENSOR_DAYS=0")
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base := "http://" + addr
	waitReady(b, base)
	pid := srv.Process.Pid
	token := provisionDemoToken(b, base)
	stream, year := loadYear(b, dbURL)

	resetPeak(b, pid)
	b.ResetTimer()
	sendBatches(b, base, token, b.N)
	b.StopTimer()
	b.ReportMetric(peakMiB(b, pid), "ingest-peak-rss-MiB")

	doctor := login(b, base, "dottore-alice", "alice")
	for _, p := range []struct {
		metric string
		span   time.Duration
	}{{"csv-month-peak-rss-MiB", 30 * 24 * time.Hour}, {"csv-year-peak-rss-MiB", 365 * 24 * time.Hour}} {
		resetPeak(b, pid)
		q := url.Values{"from": {year.Format(time.RFC3339)}, "to": {year.Add(p.span).Format(time.RFC3339)}}
		n := download(b, base+"/api/v1/streams/"+strconv.FormatInt(stream, 10)+"/readings.csv?"+q.Encode(), doctor)
		if n < int64(p.span/time.Minute)*10 {
			b.Fatalf("%s: a %d-byte export", p.metric, n)
		}
		b.ReportMetric(peakMiB(b, pid), p.metric)
	}
}

// loadYear writes a year of per-minute readings (from the start of last
// year) of a new stream of a demo installation straight into the
// database, partitions first, and returns the stream's id and the
// year's first instant.
func loadYear(b *testing.B, dbURL string) (int64, time.Time) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	start := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	for m := range 13 {
		from := start.AddDate(0, m, 0)
		_, err := c.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS readings_p%s PARTITION OF readings FOR VALUES FROM (%d) TO (%d)`,
			from.Format("200601"), from.UnixMilli(), from.AddDate(0, 1, 0).UnixMilli()))
		if err != nil {
			b.Fatal(err)
		}
	}
	var stream int64
	err = c.QueryRow(ctx, `INSERT INTO streams (installation_id, key, kind, unit, cadence_s, created_at)
		SELECT id, 'bench.year.power', 'power', 'W', 60, now() FROM installations ORDER BY id LIMIT 1 RETURNING id`).Scan(&stream)
	if err != nil {
		b.Fatal(err)
	}
	const minutes = 525_600
	rows := make([][]any, minutes)
	for i := range rows {
		rows[i] = []any{stream, start.Add(time.Duration(i) * time.Minute).UnixMilli(), float64(i % 1440)}
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"readings"}, []string{"stream_id", "at_ms", "value"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	return stream, start
}

// sendBatches has 8 gateways send n batches of 1,000 readings: batch i
// of stream i mod 8, its readings one millisecond apart from now on.
func sendBatches(b *testing.B, base, token string, n int) {
	first := time.Now().Add(time.Second).UnixMilli()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				var buf bytes.Buffer
				buf.WriteByte('[')
				for j := range int64(1000) {
					if j > 0 {
						buf.WriteByte(',')
					}
					fmt.Fprintf(&buf, `{"stream":"rss.g%d.power","time":%d,"value":%d}`, i%8, first+i/8*1000+j, j%97)
				}
				buf.WriteByte(']')
				req, _ := http.NewRequest(http.MethodPost, base+"/ingest/v1/readings", &buf)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("batch %d: %d", i, res.StatusCode)
				}
			}
		})
	}
	wg.Wait()
}

// login is a local access token.
func login(b *testing.B, base, user, password string) string {
	res, err := http.PostForm(base+"/api/v1/auth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}})
	if err != nil {
		b.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(b, res, &tok)
	return tok.AccessToken
}

// download reads u to its end and returns its size in bytes.
func download(b *testing.B, u, token string) int64 {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d, %v", u, res.StatusCode, err)
	}
	return n
}

// resetPeak resets the process's peak resident set (VmHWM) to its
// current one (Linux: 5 written to /proc/PID/clear_refs).
func resetPeak(b *testing.B, pid int) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

// peakMiB is the process's peak resident set since the last reset, in
// MiB (VmHWM).
func peakMiB(b *testing.B, pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
