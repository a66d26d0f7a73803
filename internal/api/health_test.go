package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// healthAnswer is the part of the health route's answer the tests read.
type healthAnswer struct {
	Health        string   `json:"health"`
	LastSeen      string   `json:"last_seen"`
	SilentStreams []string `json:"silent_streams"`
	Streams       []struct {
		Key         string `json:"key"`
		JudgedBy    string `json:"judged_by"`
		Silent      bool   `json:"silent"`
		LastReading string `json:"last_reading"`
		Gaps        []struct{ From, To string }
		Days        []struct {
			Day          string   `json:"day"`
			Readings     *int64   `json:"readings"`
			Active       bool     `json:"active"`
			Completeness *float64 `json:"completeness"`
		} `json:"days"`
	} `json:"streams"`
}

// sendReadings posts readings of one periodic stream over the HTTP
// ingest route with the token.
func sendReadings(t *testing.T, s *apptest.Server, token, stream string, cadence int, times []time.Time) {
	t.Helper()
	for len(times) > 0 {
		n := min(len(times), 2000)
		items := make([]string, n)
		for i, at := range times[:n] {
			items[i] = fmt.Sprintf(`{"stream":%q,"time":%d,"value":1,"cadence_s":%d}`, stream, at.UnixMilli(), cadence)
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/ingest/v1/readings", strings.NewReader("["+strings.Join(items, ",")+"]"))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if res := s.Send(t, req); res.Status != http.StatusOK {
			t.Fatalf("ingest: %d %s", res.Status, res.Body)
		}
		times = times[n:]
	}
}

// TestDeviceHealthPerRole: a 5-minute plug installed on 2 March at 09:30
// that sent every 5 minutes (17 s past) except 18:00–19:55, read on
// 3 March at 12:00. Doctors, monitoring and researchers see the exact
// last reading, gap and counts (150 readings on 2 March, where the plug
// existed from its first reading at 09:30:17, so 52,183 s / 300 s =
// 173.94 were expected: 0.862…); installers see times to the hour, completeness to the 10 %
// and no counts; admins are refused. The installations list carries
// last_seen and health with the same precision, and the read is in the
// patient's access history.
func TestDeviceHealthPerRole(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clock := storetest.NewClock() // 2 March 2026 09:30 UTC
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.StoreClock = clock.Now }})
			st := s.App.Study()
			p := storetest.Must[domain.Patient](t)(st.Enrol(doctorCtx(), storetest.Patient(t, 1)))
			inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(doctorCtx(), p.ID))
			tickets := storetest.Must[[]domain.Ticket](t)(st.Tickets(installerCtx(), inst.ID))
			storetest.Must[domain.Ticket](t)(st.CloseTicket(installerCtx(), tickets[0].ID))
			start := clock.Now()
			clock.Advance(26*time.Hour + 30*time.Minute) // 3 March 12:00
			token, publicID, hash := ingest.NewToken()
			if _, err := s.App.Store().InsertIngestToken(context.Background(), inst.ID, publicID, hash); err != nil {
				t.Fatal(err)
			}
			var times []time.Time
			for at := start.Add(17 * time.Second); at.Before(clock.Now()); at = at.Add(5 * time.Minute) {
				if at.Day() == 2 && at.Hour() >= 18 && at.Hour() < 20 {
					continue
				}
				times = append(times, at)
			}
			sendReadings(t, s, token, "tv.plug.power", 300, times)
			last := times[len(times)-1] // 3 March 11:55:17

			exact := healthAnswer{Health: "ok", LastSeen: last.Format(time.RFC3339)}
			callers := loginDemos(t, s)
			for _, c := range callers {
				path := "/api/v1/installations/" + refFor(s, c, resource.Installation, inst.ID) + "/health?days=2"
				res := s.Do(t, http.MethodGet, path, c.token, nil)
				if c.has(domain.RoleAdmin) {
					wantProblemOf(t, res, http.StatusForbidden, "forbidden")
					continue
				}
				if res.Status != http.StatusOK {
					t.Fatalf("%s: %d %s", c.name, res.Status, res.Body)
				}
				var h healthAnswer
				if err := json.Unmarshal(res.Body, &h); err != nil {
					t.Fatal(err)
				}
				installer := c.has(domain.RoleInstaller)
				wantLast, gapFrom, gapTo := exact.LastSeen, "2026-03-02T17:55:17Z", "2026-03-02T20:00:17Z"
				if installer {
					wantLast, gapFrom, gapTo = "2026-03-03T11:00:00Z", "2026-03-02T17:00:00Z", "2026-03-02T20:00:00Z"
				}
				if h.Health != "ok" || h.LastSeen != wantLast || len(h.Streams) != 1 {
					t.Fatalf("%s: %s", c.name, res.Body)
				}
				sh := h.Streams[0]
				if sh.Key != "tv.plug.power" || sh.JudgedBy != "cadence" || sh.Silent || sh.LastReading != wantLast ||
					len(sh.Gaps) != 1 || sh.Gaps[0].From != gapFrom || sh.Gaps[0].To != gapTo || len(sh.Days) != 2 {
					t.Errorf("%s: stream %+v", c.name, sh)
					continue
				}
				d2, d3 := sh.Days[0], sh.Days[1]
				if d2.Day != "2026-03-02" || d3.Day != "2026-03-03" || !d2.Active || d2.Completeness == nil || d3.Completeness == nil || *d3.Completeness != 1 {
					t.Errorf("%s: days %s", c.name, res.Body)
					continue
				}
				if installer {
					if *d2.Completeness != 0.9 || d2.Readings != nil {
						t.Errorf("installer: 2 March completeness %v readings %v, want 0.9 and no count", *d2.Completeness, d2.Readings)
					}
				} else if *d2.Completeness != 150/(52183.0/300) || d2.Readings == nil || *d2.Readings != 150 || *d3.Readings != 144 {
					t.Errorf("%s: 2 March completeness %v readings %v", c.name, *d2.Completeness, d2.Readings)
				}
			}
			for _, c := range callers {
				if c.has(domain.RoleAdmin) {
					continue
				}
				res := s.Do(t, http.MethodGet, "/api/v1/installations/"+refFor(s, c, resource.Installation, inst.ID), c.token, nil)
				var iv struct {
					Health   string `json:"health"`
					LastSeen string `json:"last_seen"`
				}
				res.JSON(t, &iv)
				want := exact.LastSeen
				if c.has(domain.RoleInstaller) {
					want = "2026-03-03T11:00:00Z"
				}
				if iv.Health != "ok" || iv.LastSeen != want {
					t.Errorf("%s: installation health %q last_seen %q, want ok %s", c.name, iv.Health, iv.LastSeen, want)
				}
			}
			entries, err := s.App.Store().QueryAudit(context.Background(), audit.Filter{Action: "device-health.read", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(callers) {
				t.Errorf("%d device-health.read entries, want %d (every read and the refusal)", len(entries), len(callers))
			}
		})
	}
}

// TestDeviceHealthSilentAndWindow: a kit silent past the threshold shows
// silent (with its silent stream) in the health route and the list, and
// a window longer than 7 days or reversed is a 422 naming query.from.
func TestDeviceHealthSilentAndWindow(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.StoreClock = clock.Now }})
	st := s.App.Study()
	p := storetest.Must[domain.Patient](t)(st.Enrol(doctorCtx(), storetest.Patient(t, 1)))
	inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(doctorCtx(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(st.Tickets(installerCtx(), inst.ID))
	storetest.Must[domain.Ticket](t)(st.CloseTicket(installerCtx(), tickets[0].ID))
	start := clock.Now()
	clock.Advance(time.Hour)
	token, publicID, hash := ingest.NewToken()
	if _, err := s.App.Store().InsertIngestToken(context.Background(), inst.ID, publicID, hash); err != nil {
		t.Fatal(err)
	}
	sendReadings(t, s, token, "tv.plug.power", 60, []time.Time{start.Add(time.Minute)})
	clock.Advance(7 * time.Hour)
	doctor := loginDemo(t, s, "dottore-alice")
	base := fmt.Sprintf("/api/v1/installations/%d/health", inst.ID)
	var h healthAnswer
	s.Do(t, http.MethodGet, base, doctor.token, nil).JSON(t, &h)
	if h.Health != "silent" || len(h.SilentStreams) != 1 || h.SilentStreams[0] != "tv.plug.power" || !h.Streams[0].Silent {
		t.Errorf("health %+v", h)
	}
	var list struct {
		Installations []struct{ ID, Health string } `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations", doctor.token, nil).JSON(t, &list)
	for _, iv := range list.Installations {
		if iv.ID == fmt.Sprint(inst.ID) && iv.Health != "silent" {
			t.Errorf("list health %q, want silent", iv.Health)
		}
	}
	now := clock.Now()
	for _, q := range []string{
		"?from=" + now.Add(-8*24*time.Hour).Format(time.RFC3339) + "&to=" + now.Format(time.RFC3339),
		"?from=" + now.Format(time.RFC3339) + "&to=" + now.Add(-time.Hour).Format(time.RFC3339),
	} {
		res := s.Do(t, http.MethodGet, base+q, doctor.token, nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "query.from") {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
}
