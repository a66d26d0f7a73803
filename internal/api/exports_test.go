package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"serenade/internal/consult"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// TestExportsHoldEveryReading, on both backends: a stream's CSV is its
// raw readings in [from, to), in time order; the cohort export, as gzip
// CSV and as Parquet, holds every reading of every installation in the
// range keyed by the researcher's installation pseudonym and the stream
// key (no internal id), and its one audit entry lists both patients.
func TestExportsHoldEveryReading(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s, clock := sensorServer(t, backend, sensorStart)
			a, b := newSensorHome(t, s), newSensorHome(t, s)
			clock.Advance(24 * time.Hour)
			messyIngest(t, s, a, []string{"tv.plug.power", "fridge.door"}, 800, 24*time.Hour, 3)
			bulkLoad(t, s, b, "bed.pressure", b.start.Add(1234*time.Millisecond), 7*time.Second, 5000, func(i int) float64 { return float64(i%97) / 4 })
			from, to := a.start.Add(3*time.Hour+5*time.Millisecond), a.start.Add(20*time.Hour)
			q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
			unimi := loginDemo(t, s, demo.Researcher).token

			power := streamID(t, s, a, "tv.plug.power")
			res := s.Do(t, http.MethodGet, "/api/v1/streams/"+refOf(s, domain.RoleResearcher, resource.Stream, power)+"/readings.csv?"+q.Encode(), unimi, nil)
			if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
			}
			recs, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := s.App.Store().Readings(t.Context(), power, from.UnixMilli(), to.UnixMilli())
			if len(recs) != len(want)+1 || len(want) == 0 || strings.Join(recs[0], ",") != "time,value" {
				t.Fatalf("%d rows for %d readings: %v", len(recs), len(want), recs[:1])
			}
			for i, r := range want {
				if recs[i+1][0] != time.UnixMilli(r.AtMs).UTC().Format(consult.TimeLayout) || recs[i+1][1] != strconv.FormatFloat(r.Value, 'g', -1, 64) {
					t.Fatalf("row %d: %v, stored %d %v", i+1, recs[i+1], r.AtMs, r.Value)
				}
			}

			expected := map[string]int{} // installation|stream → readings in range
			for _, h := range []sensorHome{a, b} {
				streams, _ := s.App.Store().Streams(t.Context(), h.installation)
				for _, st := range streams {
					rs, _ := s.App.Store().Readings(t.Context(), st.ID, from.UnixMilli(), to.UnixMilli())
					if len(rs) > 0 {
						expected[refOf(s, domain.RoleResearcher, resource.Installation, h.installation)+"|"+st.Key] = len(rs)
					}
				}
			}
			rows := cohortCSV(t, s, unimi, q)
			rowsPq := cohortParquet(t, s, unimi, q)
			if len(rows) != len(rowsPq) {
				t.Fatalf("%d CSV rows, %d Parquet rows", len(rows), len(rowsPq))
			}
			got := map[string]int{}
			for i, r := range rows {
				got[r.Installation+"|"+r.Stream]++
				p := rowsPq[i]
				if p.Installation != r.Installation || p.Stream != r.Stream || !p.Time.Equal(r.Time) || p.Value != r.Value || p.Kind != r.Kind || p.Unit != r.Unit {
					t.Fatalf("row %d: CSV %+v, Parquet %+v", i, r, p)
				}
				if r.Time.Before(from) || !r.Time.Before(to) {
					t.Fatalf("row %d at %v outside the range", i, r.Time)
				}
			}
			if len(got) != len(expected) || len(expected) != 3 {
				t.Fatalf("export holds %v, the store %v", got, expected)
			}
			for k, n := range expected {
				if got[k] != n {
					t.Errorf("%s: %d rows, %d readings", k, got[k], n)
				}
			}
			for _, id := range []int64{a.installation, b.installation, a.patient, b.patient} {
				for _, r := range rows {
					if r.Installation == strconv.FormatInt(id, 10) {
						t.Fatalf("an internal id in the export: %v", r)
					}
				}
			}
			admin := loginDemo(t, s, demo.Admin).token
			res = s.Do(t, http.MethodGet, "/api/v1/audit?action=readings.export", admin, nil)
			if res.Status != http.StatusOK || strings.Count(string(res.Body), `"patients_listed":2`) != 2 {
				t.Errorf("audit of the exports: %d %s", res.Status, res.Body)
			}
		})
	}
}

// cohortCSV downloads the cohort export as gzip CSV and reads it back.
func cohortCSV(t *testing.T, s *apptest.Server, token string, q url.Values) []consult.Row {
	t.Helper()
	q.Set("format", "csv")
	res := s.Do(t, http.MethodGet, "/api/v1/exports/readings?"+q.Encode(), token, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(consult.CohortColumns, ",") {
		t.Fatalf("header %v", recs[0])
	}
	out := make([]consult.Row, len(recs)-1)
	for i, r := range recs[1:] {
		at, err1 := time.Parse(time.RFC3339Nano, r[4])
		v, err2 := strconv.ParseFloat(r[5], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("row %d: %v", i+1, r)
		}
		out[i] = consult.Row{Installation: r[0], Stream: r[1], Kind: r[2], Unit: r[3], Time: at, Value: v}
	}
	return out
}

// cohortParquet downloads the cohort export as Parquet and reads it back.
func cohortParquet(t *testing.T, s *apptest.Server, token string, q url.Values) []consult.Row {
	t.Helper()
	q.Set("format", "parquet")
	res := s.Do(t, http.MethodGet, "/api/v1/exports/readings?"+q.Encode(), token, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.apache.parquet" {
		t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
	}
	rows, err := parquet.Read[consult.Row](bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestExportMemoryIsFlat, on both backends: the live heap while a
// stream's CSV and the cohort Parquet are downloaded grows no more for
// eight times the readings (480,000 against 60,000): rows go from the
// database to the client as they are read.
func TestExportMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("loads half a million readings")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s, clock := sensorServer(t, backend, sensorStart)
			h := newSensorHome(t, s)
			const small, large = 60_000, 480_000
			stream := bulkLoad(t, s, h, "tv.plug.power", h.start, time.Second, large, func(i int) float64 { return float64(i%1000) / 8 })
			clock.Advance(large * time.Second)
			unimi := loginDemo(t, s, demo.Researcher).token
			ref := refOf(s, domain.RoleResearcher, resource.Stream, stream)
			for _, path := range []string{"/api/v1/streams/" + ref + "/readings.csv?", "/api/v1/exports/readings?format=parquet&"} {
				growth := func(n int) (uint64, int64) {
					q := url.Values{"from": {h.start.Format(time.RFC3339)}, "to": {h.start.Add(time.Duration(n) * time.Second).Format(time.RFC3339)}}
					return peakHeapGrowth(t, s, unimi, path+q.Encode())
				}
				gs, bs := growth(small)
				gl, bl := growth(large)
				t.Logf("%s: %d bytes: heap +%d KiB; %d bytes: heap +%d KiB", path[:20], bs, gs>>10, bl, gl>>10)
				if bl < 4*bs || gl > gs+4<<20 {
					t.Errorf("%s: %d bytes grew the heap by %d KiB, %d bytes by %d KiB", path, bs, gs>>10, bl, gl>>10)
				}
			}
		})
	}
}

// peakHeapGrowth downloads path and returns the largest live heap seen
// during the download (a collection, then the heap in use, every few
// milliseconds) less the live heap before it, and the bytes downloaded.
func peakHeapGrowth(t testing.TB, s *apptest.Server, token, path string) (uint64, int64) {
	t.Helper()
	live := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := live()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			peak = max(peak, live())
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(done)
	wg.Wait()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v", path, res.StatusCode, err)
	}
	if peak < base {
		return 0, n
	}
	return peak - base, n
}
