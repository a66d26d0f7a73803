package service_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// rule is the silence rule of these tests: the defaults (6 h, 24 h).
var rule = domain.SilenceRule{}

// TestHealthCompletenessAndGaps checks a stream's completeness per day
// and its gaps against values computed by hand: a 5-minute plug that
// missed 10:00–12:55 on 3 March (36 of 288 readings) is 87.5 % complete
// that day, with one gap from its 09:55 reading to its 13:00 one.
func TestHealthCompletenessAndGaps(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := env.SensorHome(t, 1) // collecting since 2 March 09:30
		day := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
		missed := func(at time.Time) bool { return at.Hour() >= 10 && at.Hour() < 13 && at.Day() == 3 }
		env.Clock.Advance(50*time.Hour + 30*time.Minute) // 4 March 12:00
		h.Send(t, storetest.Every("tv.plug.power", 300, h.Start, env.Clock.Now(), missed)...)
		h.Send(t, storetest.Reading{Stream: "fridge.door", At: day.Add(7 * time.Hour), Value: 1},
			storetest.Reading{Stream: "fridge.door", At: day.Add(7*time.Hour + time.Minute), Value: 0},
			storetest.Reading{Stream: "fridge.door", At: day.Add(20 * time.Hour), Value: 1})

		got := must[service.InstallationHealth](t)(service.NewHealth(env.DB, rule).Installation(context.Background(), h.Installation,
			service.HealthQuery{From: day, To: day.Add(24 * time.Hour), Days: 3}))
		if got.Summary != domain.HealthOK || got.Silence.Silent {
			t.Errorf("summary %s silence %+v, want ok", got.Summary, got.Silence)
		}
		if want := env.Clock.Now().Add(-5 * time.Minute); got.LastSeen == nil || !got.LastSeen.Equal(want) {
			t.Errorf("last seen %v, want %v", got.LastSeen, want)
		}
		door, plug := got.Streams[0], got.Streams[1]
		if plug.Key != "tv.plug.power" || door.Key != "fridge.door" {
			t.Fatalf("streams %s, %s", door.Key, plug.Key)
		}
		wantGap := domain.Gap{From: day.Add(9*time.Hour + 55*time.Minute), To: day.Add(13 * time.Hour)}
		if len(plug.Gaps) != 1 || !plug.Gaps[0].From.Equal(wantGap.From) || !plug.Gaps[0].To.Equal(wantGap.To) {
			t.Errorf("gaps %+v, want [%+v]", plug.Gaps, wantGap)
		}
		if len(door.Gaps) != 0 {
			t.Errorf("an event stream has no gaps: %+v", door.Gaps)
		}
		// 1 March: before the collection; 2 March from 09:30: 174 of 174; 3 March: 252 of 288.
		wantDays := []struct {
			n int64
			c float64
		}{{0, math.NaN()}, {174, 1}, {252, 0.875}}
		for i, d := range plug.Days {
			if d.Day != day.AddDate(0, 0, i-2) || d.Readings != wantDays[i].n || !sameFloat(d.Completeness, wantDays[i].c) {
				t.Errorf("day %d: %v %d %v, want %d %v", i, d.Day, d.Readings, d.Completeness, wantDays[i].n, wantDays[i].c)
			}
		}
		if d := door.Days[2]; d.Readings != 3 || !math.IsNaN(d.Completeness) {
			t.Errorf("door's activity on 3 March: %d readings, completeness %v", d.Readings, d.Completeness)
		}
	})
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func TestHealthQueryBounds(t *testing.T) {
	t.Parallel()
	env := storetest.Open(t, "sqlite")
	h := env.SensorHome(t, 1)
	now := env.Clock.Now()
	for _, q := range []service.HealthQuery{
		{From: now, To: now, Days: 1},
		{From: now, To: now.Add(-time.Hour), Days: 1},
		{From: now.Add(-8 * 24 * time.Hour), To: now, Days: 1},
		{From: now.Add(-time.Hour), To: now, Days: 0},
		{From: now.Add(-time.Hour), To: now, Days: 32},
	} {
		if _, err := service.NewHealth(env.DB, rule).Installation(context.Background(), h.Installation, q); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%+v: %v, want invalid", q, err)
		}
	}
}

// maintenanceTickets are the installation's maintenance tickets.
func maintenanceTickets(t *testing.T, env *storetest.Env, installation int64) []domain.Ticket {
	t.Helper()
	var out []domain.Ticket
	for _, tk := range must[[]domain.Ticket](t)(env.Study().Tickets(doctor(), installation)) {
		if tk.Category == domain.CategoryMaintenance {
			out = append(out, tk)
		}
	}
	return out
}

// TestSilenceSweepOpensOneTicket: a working home whose plug falls silent
// gets one maintenance ticket from Serenade naming the plug, none more
// while it is open, and a new one once it was closed if the plug stays
// silent; a home whose plug sends and an event-only home after a quiet
// night get none.
func TestSilenceSweepOpensOneTicket(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		silent, sending, doors := env.SensorHome(t, 1), env.SensorHome(t, 2), env.SensorHome(t, 3)
		start := env.Clock.Now()
		env.Clock.Advance(8*time.Hour + 30*time.Minute) // the plug quiet for 7.5 h, the door fired 30 min ago
		silent.Send(t, storetest.Every("tv.plug.power", 60, start, start.Add(time.Hour), nil)...)
		silent.Send(t, storetest.Reading{Stream: "fridge.door", At: start.Add(8 * time.Hour), Value: 1})
		sending.Send(t, storetest.Every("tv.plug.power", 60, start, env.Clock.Now(), nil)...)
		doors.Send(t, storetest.Reading{Stream: "front.door", At: start.Add(time.Hour), Value: 1})

		health := service.NewHealth(env.DB, rule)
		res := must[service.SweepResult](t)(health.SweepSilence(ctx))
		if res.Silent != 1 || len(res.Opened) != 1 || res.Opened[0].Ticket.InstallationID != silent.Installation {
			t.Fatalf("first sweep: %d silent, opened %+v", res.Silent, res.Opened)
		}
		tk := maintenanceTickets(t, env, silent.Installation)
		if len(tk) != 1 || tk[0].OpenedBy != domain.SystemSender || len(tk[0].Messages) != 1 ||
			!strings.Contains(tk[0].Messages[0].Body, "tv.plug.power") || strings.Contains(tk[0].Messages[0].Body, "fridge.door") {
			t.Fatalf("ticket %+v", tk)
		}
		if n := len(maintenanceTickets(t, env, sending.Installation)) + len(maintenanceTickets(t, env, doors.Installation)); n != 0 {
			t.Errorf("%d tickets on homes that are not silent", n)
		}

		env.Clock.Advance(time.Hour)
		res = must[service.SweepResult](t)(health.SweepSilence(ctx))
		if res.Silent != 1 || len(res.Opened) != 0 {
			t.Errorf("sweep while the ticket is open: %d silent, opened %d", res.Silent, len(res.Opened))
		}
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), tk[0].ID))
		env.Clock.Advance(time.Hour)
		res = must[service.SweepResult](t)(health.SweepSilence(ctx))
		if len(res.Opened) != 1 || len(maintenanceTickets(t, env, silent.Installation)) != 2 {
			t.Errorf("after the close, silence persisting: opened %d", len(res.Opened))
		}
	})
}

// TestSilenceSweepNeverSent: a kit that never sent is silent once the
// threshold has passed since the collection started, not before.
func TestSilenceSweepNeverSent(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := env.SensorHome(t, 1)
		health := service.NewHealth(env.DB, rule)
		env.Clock.Advance(5 * time.Hour)
		if res := must[service.SweepResult](t)(health.SweepSilence(context.Background())); res.Silent != 0 {
			t.Errorf("silent %d hours before the threshold", res.Silent)
		}
		env.Clock.Advance(2 * time.Hour)
		res := must[service.SweepResult](t)(health.SweepSilence(context.Background()))
		if len(res.Opened) != 1 || res.Opened[0].Ticket.InstallationID != h.Installation {
			t.Errorf("opened %+v", res.Opened)
		}
	})
}

// TestSilenceSweepsRacing runs sweeps of two store handles (two replicas
// on one database) at once: one ticket in all.
func TestSilenceSweepsRacing(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := env.SensorHome(t, 1)
		env.Clock.Advance(7 * time.Hour)
		other := must[*store.DB](t)(env.TryOpen(keyring.FileSource{Path: env.KeyFile}))
		t.Cleanup(func() { other.Close() })
		var wg sync.WaitGroup
		opened := make([]int, 8)
		for i := range opened {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := env.DB
				if i%2 == 1 {
					db = other
				}
				res, err := service.NewHealth(db, rule).SweepSilence(context.Background())
				if err != nil {
					t.Error(err)
				}
				opened[i] = len(res.Opened)
			}()
		}
		wg.Wait()
		total := 0
		for _, n := range opened {
			total += n
		}
		if total != 1 || len(maintenanceTickets(t, env, h.Installation)) != 1 {
			t.Errorf("%d tickets opened by racing sweeps, want 1", total)
		}
	})
}
