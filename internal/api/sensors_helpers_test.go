package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/resource"
	"serenade/internal/store"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// manualClock is a store clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sensorServer starts a demo server on backend whose store clock starts
// at start and moves only when told.
func sensorServer(t testing.TB, backend string, start time.Time) (*apptest.Server, *manualClock) {
	clock := &manualClock{now: start}
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.StoreClock = clock.Now }})
	return s, clock
}

// sensorHome is an enrolled patient whose collection started (the
// installation ticket closed) at start, with an ingest token.
type sensorHome struct {
	patient, installation int64
	token                 string
	tokenID               int64
	start                 time.Time
}

// sensorHomes numbers the homes the sensor tests enrol.
var sensorHomes atomic.Int64

// newSensorHome enrols a patient, installs the kit and provisions a token.
func newSensorHome(t testing.TB, s *apptest.Server) sensorHome {
	t.Helper()
	st := s.App.Study()
	p, err := st.Enrol(doctorCtx(), storetest.Patient(t, int(sensorHomes.Add(1))))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := st.InstallationOfPatient(doctorCtx(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := st.Tickets(doctorCtx(), inst.ID)
	if err != nil || len(tickets) != 1 {
		t.Fatalf("tickets: %v %v", tickets, err)
	}
	if _, err := st.CloseTicket(installerCtx(), tickets[0].ID); err != nil {
		t.Fatal(err)
	}
	token, publicID, hash := ingest.NewToken()
	tok, err := s.App.Store().InsertIngestToken(context.Background(), inst.ID, publicID, hash)
	if err != nil {
		t.Fatal(err)
	}
	return sensorHome{patient: p.ID, installation: inst.ID, token: token, tokenID: tok.ID, start: s.App.Store().Now()}
}

// bulkLoad writes n readings of stream key, every step from first, value
// value(i), straight through the store's bulk insert in batches (fast
// set-up for tests and benchmarks; HTTP ingest has its own tests), and
// returns the stream's id.
func bulkLoad(t testing.TB, s *apptest.Server, h sensorHome, key string, first time.Time, step time.Duration, n int, value func(i int) float64) int64 {
	t.Helper()
	const batch = 20_000
	for lo := 0; lo < n; lo += batch {
		hi := min(n, lo+batch)
		rs := make([]store.KeyedReading, 0, hi-lo)
		for i := lo; i < hi; i++ {
			rs = append(rs, store.KeyedReading{Key: key, AtMs: first.Add(time.Duration(i) * step).UnixMilli(), Value: value(i)})
		}
		_, err := s.App.Store().IngestReadings(context.Background(), h.tokenID, func(tg store.IngestTarget) (store.IngestPlan, error) {
			p := store.IngestPlan{Readings: rs}
			if _, ok := tg.Streams[key]; !ok {
				k := domain.InferStreamKind(key)
				p.NewStreams = []domain.Stream{{Key: key, Kind: k, Unit: domain.DefaultUnit(k), CadenceSeconds: domain.DefaultCadence(k)}}
			}
			return p, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return streamID(t, s, h, key)
}

// streamID is the id of the home's stream named key.
func streamID(t testing.TB, s *apptest.Server, h sensorHome, key string) int64 {
	t.Helper()
	streams, err := s.App.Store().Streams(context.Background(), h.installation)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range streams {
		if st.Key == key {
			return st.ID
		}
	}
	t.Fatalf("no stream %s", key)
	return 0
}

// refOf is how a caller with role names a resource: its id for doctors,
// its pseudonym otherwise.
func refOf(s *apptest.Server, role domain.Role, kind resource.Kind, id int64) string {
	return refFor(s, accessCaller{roles: []domain.Role{role}}, kind, id)
}

// getSeries asks for a stream's series.
func getSeries(t testing.TB, s *apptest.Server, token, stream string, from, to time.Time, maxPoints int) (apptest.Response, seriesBody) {
	t.Helper()
	q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
	if maxPoints != 0 {
		q.Set("max_points", strconv.Itoa(maxPoints))
	}
	res := s.Do(t, http.MethodGet, "/api/v1/streams/"+stream+"/readings?"+q.Encode(), token, nil)
	var b seriesBody
	if res.Status == http.StatusOK {
		res.JSON(t, &b)
	}
	return res, b
}

// seriesBody is a series answer.
type seriesBody struct {
	Stream, Key, Resolution string
	BucketSeconds           float64 `json:"bucket_s"`
	Points                  []struct {
		Time  time.Time
		Value float64
	}
	Buckets []bucketBody
}

type bucketBody struct {
	Time, End     time.Time
	Min, Max, Avg float64
	Count         int64
}

// agg is the aggregate of raw readings.
type agg struct {
	n             int64
	sum, min, max float64
}

// rawAggregate aggregates the stored raw readings of a stream in
// [from, to) (ms), as the database holds them.
func rawAggregate(t testing.TB, s *apptest.Server, stream, from, to int64) agg {
	t.Helper()
	rs, err := s.App.Store().Readings(context.Background(), stream, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var a agg
	for i, r := range rs {
		if i == 0 || r.Value < a.min {
			a.min = r.Value
		}
		if i == 0 || r.Value > a.max {
			a.max = r.Value
		}
		a.n++
		a.sum += r.Value
	}
	return a
}

// loginAs logs a demo account in.
func demoToken(t testing.TB, s *apptest.Server, username string) string {
	t.Helper()
	a, ok := demo.AccountNamed(username)
	if !ok {
		t.Fatalf("no demo account %s", username)
	}
	return s.Login(t, a.Username, a.Password)
}
