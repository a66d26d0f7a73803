package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// sensorStart is when the sensor tests' store clock starts.
var sensorStart = time.Date(2025, 3, 3, 6, 0, 0, 0, time.UTC)

// messyIngest sends n readings of each key, at random millisecond times
// in [h.start, h.start+span), over HTTP: out of order, in overlapping
// batches, some re-sent with another value (the first stays).
func messyIngest(t *testing.T, s *apptest.Server, h sensorHome, keys []string, n int, span time.Duration, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x5e7e))
	type item struct {
		Stream string  `json:"stream"`
		Time   int64   `json:"time"`
		Value  float64 `json:"value"`
	}
	var sent []item
	for range n * len(keys) {
		sent = append(sent, item{Stream: keys[rng.IntN(len(keys))], Time: h.start.UnixMilli() + rng.Int64N(span.Milliseconds()),
			Value: math.Round(rng.NormFloat64()*800) / 8})
	}
	for len(sent) > 0 {
		k := min(len(sent), 1+rng.IntN(400))
		b := append([]item(nil), sent[:k]...)
		for i := range k / 4 {
			again := b[rng.IntN(k)]
			if i%2 == 0 {
				again.Value += 3
			}
			b = append(b, again)
		}
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		body, _ := json.Marshal(b)
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/ingest/v1/readings", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.token)
		if res := s.Send(t, req); res.Status != http.StatusOK {
			t.Fatalf("ingest: %d %s", res.Status, res.Body)
		}
		sent = sent[k:]
	}
}

// TestDownsampledSeriesEqualRawAggregates, on both backends, over HTTP:
// after messy ingestion (out of order, duplicates, re-sent values), a
// series over ranges that align with no minute, hour or day, at max_points
// that select each rollup tier and raw rows, has at most max_points
// buckets that tile [from, to), each with the count, min and max of the
// raw rows it covers (avg up to rounding of the sums), and no reading is
// left out; a range with few readings answers them raw.
func TestDownsampledSeriesEqualRawAggregates(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s, clock := sensorServer(t, backend, sensorStart)
			h := newSensorHome(t, s)
			clock.Advance(3 * 24 * time.Hour)
			messyIngest(t, s, h, []string{"tv.plug.power", "kitchen.temperature"}, 3000, 3*24*time.Hour, 11)
			researcher := loginDemo(t, s, demo.Researcher).token
			stream := streamID(t, s, h, "tv.plug.power")
			ref := refOf(s, domain.RoleResearcher, resource.Stream, stream)
			from := h.start.Add(17*time.Minute + 23*time.Second + 457*time.Millisecond)
			to := h.start.Add(2*24*time.Hour + 19*time.Hour + 41*time.Minute + 7*time.Second + 3*time.Millisecond)
			for _, maxPoints := range []int{1, 2, 7, 50, 200, 1000} { // day, day, hour, hour, minute, minute
				t.Run(fmt.Sprint("max_points ", maxPoints), func(t *testing.T) {
					res, b := getSeries(t, s, researcher, ref, from, to, maxPoints)
					if res.Status != http.StatusOK {
						t.Fatalf("%d %s", res.Status, res.Body)
					}
					checkBuckets(t, s, stream, from, to, maxPoints, b)
				})
			}
			t.Run("few readings are answered raw", func(t *testing.T) {
				lo, hi := from.Add(time.Hour), from.Add(3*time.Hour)
				want, err := s.App.Store().Readings(t.Context(), stream, lo.UnixMilli(), hi.UnixMilli())
				if err != nil || len(want) == 0 {
					t.Fatalf("%d readings: %v", len(want), err)
				}
				res, b := getSeries(t, s, researcher, ref, lo, hi, len(want))
				if res.Status != http.StatusOK || b.Resolution != "raw" || len(b.Points) != len(want) || len(b.Buckets) != 0 {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
				for i, p := range b.Points {
					if p.Time.UnixMilli() != want[i].AtMs || p.Value != want[i].Value {
						t.Errorf("point %d: %v %v, stored %d %v", i, p.Time, p.Value, want[i].AtMs, want[i].Value)
					}
				}
				if _, b := getSeries(t, s, researcher, ref, lo, hi, len(want)-1); b.Resolution != "buckets" {
					t.Errorf("one reading more than max_points: %s", b.Resolution)
				}
			})
		})
	}
}

// checkBuckets checks a bucketed series against the raw rows.
func checkBuckets(t *testing.T, s *apptest.Server, stream int64, from, to time.Time, maxPoints int, b seriesBody) {
	t.Helper()
	if b.Resolution != "buckets" || len(b.Buckets) == 0 || len(b.Buckets) > maxPoints {
		t.Fatalf("%s with %d buckets for max_points %d", b.Resolution, len(b.Buckets), maxPoints)
	}
	var total int64
	prevEnd := from
	for i, k := range b.Buckets {
		if k.Time.Before(prevEnd) || !k.End.After(k.Time) || k.End.After(to) || k.End.Sub(k.Time).Seconds() > b.BucketSeconds {
			t.Fatalf("bucket %d [%v, %v) after %v, width %vs", i, k.Time, k.End, prevEnd, b.BucketSeconds)
		}
		prevEnd = k.End
		want := rawAggregate(t, s, stream, k.Time.UnixMilli(), k.End.UnixMilli())
		if k.Count != want.n || k.Min != want.min || k.Max != want.max || math.Abs(k.Avg-want.sum/float64(want.n)) > 1e-9*math.Max(1, math.Abs(k.Avg)) {
			t.Errorf("bucket %d [%v, %v): count %d min %v max %v avg %v; raw rows: %+v avg %v", i, k.Time, k.End, k.Count, k.Min, k.Max, k.Avg,
				want, want.sum/float64(want.n))
		}
		total += k.Count
	}
	if all := rawAggregate(t, s, stream, from.UnixMilli(), to.UnixMilli()); total != all.n {
		t.Errorf("buckets hold %d readings, the range %d", total, all.n)
	}
}

// TestStackedSeriesAndStreamList, on both backends: the streams of an
// installation, with their latest reading and count of the last 24
// hours, and several streams in one call, as monitoring names them; a
// stream of another installation is not found there.
func TestStackedSeriesAndStreamList(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s, clock := sensorServer(t, backend, sensorStart)
			h, other := newSensorHome(t, s), newSensorHome(t, s)
			clock.Advance(2 * 24 * time.Hour)
			keys := []string{"fridge.door", "tv.plug.power"}
			messyIngest(t, s, h, keys, 500, 2*24*time.Hour, 5)
			otherStream := bulkLoad(t, s, other, "kitchen.motion", other.start, time.Minute, 10, func(int) float64 { return 1 })
			imt := loginDemo(t, s, demo.Monitoring).token
			inst := refOf(s, domain.RoleMonitoring, resource.Installation, h.installation)
			res := s.Do(t, http.MethodGet, "/api/v1/installations/"+inst+"/streams", imt, nil)
			var list struct {
				Streams []struct {
					ID, Key, Kind, Unit string
					LastReadingAt       *time.Time `json:"last_reading_at"`
					Readings24h         int64      `json:"readings_24h"`
				}
			}
			res.JSON(t, &list)
			if res.Status != http.StatusOK || len(list.Streams) != 2 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			now := clock.Now().UnixMilli()
			var refs []string
			for i, st := range list.Streams {
				id := streamID(t, s, h, keys[i])
				last, err := s.App.Store().FirstReadings(t.Context(), id, 0, now+1, 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				day := rawAggregate(t, s, id, now-24*3600*1000, now)
				if st.Key != keys[i] || st.ID != refOf(s, domain.RoleMonitoring, resource.Stream, id) || st.LastReadingAt == nil ||
					st.LastReadingAt.UnixMilli() != last[len(last)-1].AtMs || st.Readings24h != day.n || day.n == 0 {
					t.Errorf("stream %d: %+v; last %d, 24 h %d", i, st, last[len(last)-1].AtMs, day.n)
				}
				refs = append(refs, st.ID)
			}
			q := url.Values{"from": {h.start.Add(-time.Hour).Format(time.RFC3339)}, "to": {clock.Now().Format(time.RFC3339)},
				"max_points": {"40"}, "streams": {strings.Join(refs, ",")}}
			res = s.Do(t, http.MethodGet, "/api/v1/installations/"+inst+"/readings?"+q.Encode(), imt, nil)
			var stacked struct {
				Installation string
				Series       []seriesBody
			}
			res.JSON(t, &stacked)
			if res.Status != http.StatusOK || stacked.Installation != inst || len(stacked.Series) != 2 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			for i, sr := range stacked.Series {
				if sr.Key != keys[i] || sr.Stream != refs[i] {
					t.Errorf("series %d is %s %s", i, sr.Key, sr.Stream)
				}
				checkBuckets(t, s, streamID(t, s, h, keys[i]), h.start.Add(-time.Hour), clock.Now().Truncate(time.Second), 40, sr)
			}
			q.Set("streams", refs[0]+","+refOf(s, domain.RoleMonitoring, resource.Stream, otherStream))
			res = s.Do(t, http.MethodGet, "/api/v1/installations/"+inst+"/readings?"+q.Encode(), imt, nil)
			wantProblemOf(t, res, http.StatusNotFound, "not-found")
		})
	}
}

// TestConsultationRefusals: bounds of max_points, an empty, reversed or
// too long range and too many streams are 422s naming the parameter; a
// stream that does not exist, or named by another role's reference, is
// a 404; installers see no readings (403). Each refusal is audited.
func TestConsultationRefusals(t *testing.T) {
	t.Parallel()
	s, clock := sensorServer(t, "sqlite", sensorStart)
	h := newSensorHome(t, s)
	clock.Advance(time.Hour)
	stream := bulkLoad(t, s, h, "hall.motion", h.start, time.Minute, 30, func(i int) float64 { return float64(i % 2) })
	unimi := loginDemo(t, s, demo.Researcher).token
	ref := refOf(s, domain.RoleResearcher, resource.Stream, stream)
	from, to := h.start, h.start.Add(time.Hour)
	for _, c := range []struct {
		name, query, field string
	}{
		{"max_points 0", "max_points=0", "query.max_points"},
		{"max_points above the bound", "max_points=10001", "query.max_points"},
		{"max_points not a number", "max_points=many", "query.max_points"},
		{"to before from", "to=" + from.Add(-time.Millisecond).Format(time.RFC3339Nano), "query.to"},
		{"an empty range", "to=" + from.Format(time.RFC3339Nano), "query.to"},
		{"more than 731 days", "to=" + from.Add(732*24*time.Hour).Format(time.RFC3339Nano), "query.to"},
		{"from missing", "from=", "query.from"},
		{"to not a time", "to=yesterday", "query.to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
			over, _ := url.ParseQuery(c.query)
			for k, v := range over {
				if v[0] == "" {
					q.Del(k)
				} else {
					q[k] = v
				}
			}
			for _, path := range []string{"/api/v1/streams/" + ref + "/readings?", "/api/v1/streams/" + ref + "/readings.csv?"} {
				if strings.HasSuffix(path, ".csv?") && strings.Contains(c.field, "max_points") {
					continue
				}
				res := s.Do(t, http.MethodGet, path+q.Encode(), unimi, nil)
				wantProblemOf(t, res, http.StatusUnprocessableEntity, "invalid")
				if !strings.Contains(string(res.Body), `"location":"`+c.field+`"`) {
					t.Errorf("%s: %s does not name %s", path, res.Body, c.field)
				}
			}
		})
	}
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	inst := refOf(s, domain.RoleResearcher, resource.Installation, h.installation)
	many := make([]string, 21)
	for i := range many {
		many[i] = ref
	}
	q.Set("streams", strings.Join(many, ","))
	res := s.Do(t, http.MethodGet, "/api/v1/installations/"+inst+"/readings?"+q.Encode(), unimi, nil)
	wantProblemOf(t, res, http.StatusUnprocessableEntity, "invalid")
	q.Del("streams")
	for name, r := range map[string]string{
		"a raw id":            strconv.FormatInt(stream, 10),
		"monitoring's name":   refOf(s, domain.RoleMonitoring, resource.Stream, stream),
		"a stream never made": refOf(s, domain.RoleResearcher, resource.Stream, stream+1000),
	} {
		res := s.Do(t, http.MethodGet, "/api/v1/streams/"+r+"/readings?"+q.Encode(), unimi, nil)
		if res.Status != http.StatusNotFound {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	iit := loginDemo(t, s, demo.Installer).token
	res = s.Do(t, http.MethodGet, "/api/v1/streams/"+refOf(s, domain.RoleInstaller, resource.Stream, stream)+"/readings?"+q.Encode(), iit, nil)
	wantProblemOf(t, res, http.StatusForbidden, "forbidden")
}

// TestConsultationIsInThePatientsAccessHistory: a researcher's read of a
// stream is recorded with the installation's patient, so the doctor sees
// it in that patient's access history.
func TestConsultationIsInThePatientsAccessHistory(t *testing.T) {
	t.Parallel()
	s, clock := sensorServer(t, "postgres", sensorStart)
	h := newSensorHome(t, s)
	clock.Advance(time.Hour)
	stream := bulkLoad(t, s, h, "hall.motion", h.start, time.Minute, 30, func(i int) float64 { return float64(i % 2) })
	unimi := loginDemo(t, s, demo.Researcher).token
	if res, _ := getSeries(t, s, unimi, refOf(s, domain.RoleResearcher, resource.Stream, stream), h.start, clock.Now(), 10); res.Status != http.StatusOK {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	doctor := loginDemo(t, s, demo.Doctor).token
	res := s.Do(t, http.MethodGet, "/api/v1/patients/"+strconv.FormatInt(h.patient, 10)+"/access-history", doctor, nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"operation":"read-stream"`) {
		t.Errorf("access history: %d %s", res.Status, res.Body)
	}
}
