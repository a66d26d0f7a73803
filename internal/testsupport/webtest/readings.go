package webtest

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/simulate"
	"serenade/internal/testsupport/apptest"
)

// Year is a year of hourly readings put into one demo installation:
// two streams (YearStreams), one reading per stream per hour in
// [From, To), the collection period the installation was corrected to.
type Year struct {
	From, To time.Time
	Readings int // per stream
}

// YearStreams are the keys of the streams SeedYear writes.
var YearStreams = []string{"living.temperature", "kitchen.power"}

// SeedYear gives the first collecting demo installation a collection
// period of a year ending a few days before now (as its doctor corrects
// the enrolment and collection dates) and sends it a year of hourly readings of two
// streams through the ingest API, as a gateway does: about 17,500
// readings in a few batches. The server must run in demo mode without
// demo sensor data (apptest's default), so this installation is the only
// one with streams.
func SeedYear(t testing.TB, s *apptest.Server, now time.Time) Year {
	t.Helper()
	ctx := context.Background()
	y := Year{From: now.UTC().Truncate(time.Hour).AddDate(0, 0, -370)}
	y.To = y.From.AddDate(1, 0, 0)
	backdate(t, s, y)
	a, _ := demo.AccountNamed(demo.Monitoring)
	c, err := simulate.Login(ctx, s.URL, a.Username, a.Password)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Installations []simulate.Target `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations?limit=1000", s.Login(t, a.Username, a.Password), nil).JSON(t, &list)
	ref := ""
	for _, in := range list.Installations {
		if in.CollectionStart != nil && in.CollectionStart.Before(y.From.AddDate(0, 0, 1)) {
			ref = in.Installation
		}
	}
	if ref == "" {
		t.Fatal("the backdated installation is not in the monitoring team's list")
	}
	gw, err := c.Provision(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var batch []simulate.Reading
	for at := y.From; at.Before(y.To); at = at.Add(time.Hour) {
		batch = append(batch,
			simulate.Reading{Stream: YearStreams[0], Kind: simulate.Temperature, Time: at, Value: YearValue(0, at)},
			simulate.Reading{Stream: YearStreams[1], Kind: simulate.Power, Time: at, Value: YearValue(1, at)})
		y.Readings++
		if len(batch) >= 8000 {
			send(t, c, gw, batch)
			batch = batch[:0]
		}
	}
	send(t, c, gw, batch)
	return y
}

// YearValue is the reading SeedYear writes for YearStreams[stream] at an
// hour: a temperature (°C, two decimals) with a daily and a seasonal
// swing, and a power (W) of 80 or 1480 by blocks of 7 hours.
func YearValue(stream int, at time.Time) float64 {
	if stream == 1 {
		return 80 + 1400*float64(at.UTC().Hour()/7%2)
	}
	season := 4 * math.Cos(2*math.Pi*float64(at.UTC().YearDay())/365)
	return math.Round((20+season+2*math.Sin(2*math.Pi*float64(at.UTC().Hour())/24))*100) / 100
}

// Expect is what a stream of SeedYear holds in [from, to): the count,
// minimum, maximum and average of its readings.
func (y Year) Expect(stream int, from, to time.Time) (n int, lo, hi, avg float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	var sum float64
	for at := y.From; at.Before(y.To); at = at.Add(time.Hour) {
		if at.Before(from) || !at.Before(to) {
			continue
		}
		v := YearValue(stream, at)
		n, sum, lo, hi = n+1, sum+v, math.Min(lo, v), math.Max(hi, v)
	}
	if n > 0 {
		avg = sum / float64(n)
	}
	return n, lo, hi, avg
}

// backdate moves the first installed demo home's enrolment and
// collection period back to y, as its doctor would correct them.
func backdate(t testing.TB, s *apptest.Server, y Year) {
	t.Helper()
	a, _ := demo.AccountNamed(demo.Doctor)
	tok := s.Login(t, a.Username, a.Password)
	var list struct {
		Installations []struct {
			ID              string     `json:"id"`
			Patient         string     `json:"patient"`
			CollectionStart *time.Time `json:"collection_start"`
			CollectionEnd   *time.Time `json:"collection_end"`
		} `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations?limit=1000", tok, nil).JSON(t, &list)
	for _, in := range list.Installations {
		if in.CollectionStart == nil || in.CollectionEnd == nil || !in.CollectionEnd.After(time.Now()) {
			continue
		}
		join := map[string]any{"date_join": y.From.AddDate(0, 0, -3).Format(time.DateOnly)}
		if res := s.Do(t, http.MethodPut, "/api/v1/patients/"+in.Patient+"/date-join", tok, join); res.Status != http.StatusOK {
			t.Fatalf("correct the enrolment date: %d %s", res.Status, res.Body)
		}
		body := map[string]any{"collection_start": y.From, "collection_end": y.To, "reason": "Kit installed a year ago; dates corrected for the test."}
		if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+url.PathEscape(in.ID)+"/collection-dates", tok, body); res.Status != http.StatusOK {
			t.Fatalf("correct the collection dates: %d %s", res.Status, res.Body)
		}
		return
	}
	t.Fatal("no installed demo home")
}

func send(t testing.TB, c *simulate.Client, token string, batch []simulate.Reading) {
	t.Helper()
	if len(batch) == 0 {
		return
	}
	ack, err := c.Send(context.Background(), token, batch)
	if err != nil || ack.Accepted != len(batch) {
		t.Fatalf("ingest: %+v, %v (sent %d)", ack, err, len(batch))
	}
}
