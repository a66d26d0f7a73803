package api_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"serenade/internal/consult"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// BenchmarkDownsampleYear, on both backends: one stream holding a year
// of per-minute readings (525,600, bulk-loaded through the store),
// downsampled to 1,000 buckets over HTTP (a real client on loopback, the
// whole stack: token, matrix, audit). Reports p50 and p99 (ms) of the
// requests (the exchange only: the test's OpenAPI conformance check and
// the decoding of the answer are outside the timing), the p50 of the naive aggregate (GROUP BY over the raw rows,
// on the database directly) measured in the same run and the ratio of
// the two, and the growth of the live heap during a year's CSV export
// and a month's (MiB): flat, not growing with the range.
func BenchmarkDownsampleYear(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			s, clock := sensorServer(b, backend, start)
			h := newSensorHome(b, s)
			const year = 525_600
			stream := bulkLoad(b, s, h, "tv.plug.power", h.start, time.Minute, year, func(i int) float64 { return float64(i%1440) / 4 })
			clock.Advance(366 * 24 * time.Hour)
			token := demoToken(b, s, demo.Researcher)
			ref := refOf(s, domain.RoleResearcher, resource.Stream, stream)
			from, to := h.start, h.start.Add(year*time.Minute)
			naive := naiveP50(b, s, backend, stream, from, to)
			direct := directP50(b, s, stream, from, to)
			u := s.URL + "/api/v1/streams/" + ref + "/readings?" + url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)},
				"max_points": {"1000"}}.Encode()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				d, body := timedGet(b, u, token)
				lat = append(lat, d)
				var series seriesBody
				if err := json.Unmarshal(body, &series); err != nil || len(series.Buckets) == 0 || len(series.Buckets) > 1000 {
					b.Fatalf("%v: %d buckets", err, len(series.Buckets))
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			p50, p99 := ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100])
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p99, "p99-ms")
			b.ReportMetric(naive, "naive-p50-ms")
			b.ReportMetric(direct, "service-p50-ms")
			b.ReportMetric(p50/naive, "p50/naive")
			csvPath := "/api/v1/streams/" + ref + "/readings.csv?"
			q := func(d time.Duration) string {
				return url.Values{"from": {from.Format(time.RFC3339)}, "to": {from.Add(d).Format(time.RFC3339)}}.Encode()
			}
			month, _ := peakHeapGrowth(b, s, token, csvPath+q(30*24*time.Hour))
			yearGrowth, _ := peakHeapGrowth(b, s, token, csvPath+q(year*time.Minute))
			b.ReportMetric(float64(month)/(1<<20), "csv-month-heap-MiB")
			b.ReportMetric(float64(yearGrowth)/(1<<20), "csv-year-heap-MiB")
		})
	}
}

// naiveP50 is the median time of the naive downsampling: one GROUP BY
// over the raw rows of the range, on the database directly (no HTTP).
func naiveP50(b *testing.B, s *apptest.Server, backend string, stream int64, from, to time.Time) float64 {
	driver := "sqlite"
	if backend == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, s.Config.DatabaseURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	width := (to.UnixMilli() - from.UnixMilli() + 999) / 1000
	var lat []time.Duration
	for range 15 {
		t0 := time.Now()
		rows, err := db.QueryContext(b.Context(), `SELECT (at_ms - $1) / $2 AS k, count(*), sum(value), min(value), max(value) FROM readings
			WHERE stream_id = $3 AND at_ms >= $1 AND at_ms < $4 GROUP BY k`, from.UnixMilli(), width, stream, to.UnixMilli())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil || n == 0 {
			b.Fatalf("naive: %d buckets, %v", n, err)
		}
		rows.Close()
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	return ms(lat[len(lat)/2])
}

// directP50 is the median time of the same downsampling called on the
// consultation service directly: the database's share of the request.
func directP50(b *testing.B, s *apptest.Server, stream int64, from, to time.Time) float64 {
	svc := consult.New(s.App.Store())
	st, err := svc.Stream(b.Context(), stream)
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for range 15 {
		t0 := time.Now()
		if _, err := svc.Downsample(b.Context(), st, consult.Range{FromMs: from.UnixMilli(), ToMs: to.UnixMilli()}, 1000); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	return ms(lat[len(lat)/2])
}

// timedGet is how long a GET of u takes over loopback, from sending
// the request to the answer's last byte, and the answer's body (200
// only). Only the exchange is timed: the body is decoded and checked
// afterwards, and not against the OpenAPI document (which the tests do).
func timedGet(b *testing.B, u, token string) (time.Duration, []byte) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t0)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("%d %s %v", res.StatusCode, body, err)
	}
	return d, body
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
