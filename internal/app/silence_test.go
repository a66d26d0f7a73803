package app_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// waitFor polls cond every 10 ms until it holds, failing after 60 s (a
// bound for a stuck server, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// TestSilenceWorkerOnTwoReplicas runs two servers on one PostgreSQL, both
// sweeping every 20 ms, over a working home whose kit never sent a
// reading: once the store's clock passes the threshold, exactly one
// maintenance ticket is opened (by the system, audited as the system
// principal), however many sweeps both replicas make while it is open,
// and /metrics reports the silent installation.
func TestSilenceWorkerOnTwoReplicas(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock()
	edit := func(c *app.Config) {
		c.StoreClock = clock.Now
		c.Silence.Interval = 20 * time.Millisecond
	}
	first := apptest.Start(t, apptest.Options{Backend: "postgres", Edit: edit})
	second := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) {
		edit(c)
		c.DatabaseURL = first.Config.DatabaseURL
		c.MasterKeyFile = filepath.Join(first.Config.DataDir, "master.key")
	}})
	st := first.App.Study()
	p, err := st.Enrol(storetest.Doctor(), storetest.Patient(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(storetest.Doctor(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(st.Tickets(storetest.Installer(), inst.ID))
	storetest.Must[domain.Ticket](t)(st.CloseTicket(storetest.Installer(), tickets[0].ID))

	maintenance := func() []domain.Ticket {
		var out []domain.Ticket
		for _, tk := range storetest.Must[[]domain.Ticket](t)(st.Tickets(storetest.Doctor(), inst.ID)) {
			if tk.Category == domain.CategoryMaintenance {
				out = append(out, tk)
			}
		}
		return out
	}
	// Both replicas sweep a few times before the threshold: nothing.
	settle := func() {
		a, b := first.App.SilenceRounds(), second.App.SilenceRounds()
		waitFor(t, "three more sweeps on each replica", func() bool {
			return first.App.SilenceRounds() >= a+3 && second.App.SilenceRounds() >= b+3
		})
	}
	settle()
	if n := len(maintenance()); n != 0 {
		t.Fatalf("%d tickets before the threshold", n)
	}
	clock.Advance(domain.DefaultSilenceThreshold + time.Minute)
	waitFor(t, "a maintenance ticket", func() bool { return len(maintenance()) > 0 })
	settle()
	got := maintenance()
	if len(got) != 1 || !got[0].Open() || got[0].OpenedBy != domain.SystemSender {
		t.Fatalf("maintenance tickets %+v, want one open, by the system", got)
	}
	entries, err := first.App.Store().QueryAudit(context.Background(), audit.Filter{Actor: audit.System.Username, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ActorSubject != audit.System.Subject || entries[0].Operation != "open-silence-ticket" || entries[0].Patient == "" {
		t.Errorf("system entries %+v, want the one ticket opening", entries)
	}
	for _, s := range []*apptest.Server{first, second} {
		if !strings.Contains(scrape(t, s.URL+"/metrics"), "serenade_silent_installations 1\n") {
			t.Errorf("%s: /metrics does not report one silent installation", s.URL)
		}
	}
}

func TestSilenceConfigFromEnv(t *testing.T) {
	t.Parallel()
	c := app.Defaults()
	env := map[string]string{"SERENADE_SILENCE_THRESHOLD": "2h", "SERENADE_EVENT_SILENCE": "36h", "SERENADE_SILENCE_CHECK_INTERVAL": "30s"}
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Silence.Threshold != 2*time.Hour || c.Silence.EventSilent != 36*time.Hour || c.Silence.Interval != 30*time.Second {
		t.Errorf("silence config %+v", c.Silence)
	}
	for k, v := range map[string]string{"SERENADE_SILENCE_THRESHOLD": "10s", "SERENADE_EVENT_SILENCE": "forever", "SERENADE_SILENCE_CHECK_INTERVAL": "2h"} {
		c := app.Defaults()
		if err := c.FromEnv(func(n string) string {
			if n == k {
				return v
			}
			return ""
		}); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

// TestIngestMetrics sends one batch of three readings (one of them a
// re-sent duplicate, all 90 s old on the store's clock) over HTTP and
// reads the ingest series back from /metrics.
func TestIngestMetrics(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock()
	s := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) { c.StoreClock = clock.Now }})
	st := s.App.Study()
	p := storetest.Must[domain.Patient](t)(st.Enrol(storetest.Doctor(), storetest.Patient(t, 1)))
	inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(storetest.Doctor(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(st.Tickets(storetest.Installer(), inst.ID))
	storetest.Must[domain.Ticket](t)(st.CloseTicket(storetest.Installer(), tickets[0].ID))
	clock.Advance(time.Hour)
	token, publicID, hash := ingest.NewToken()
	if _, err := s.App.Store().InsertIngestToken(context.Background(), inst.ID, publicID, hash); err != nil {
		t.Fatal(err)
	}
	at := clock.Now().Add(-90 * time.Second).UnixMilli()
	body := fmt.Sprintf(`[{"stream":"tv.plug.power","time":%d,"value":5},{"stream":"tv.plug.power","time":%d,"value":6},{"stream":"tv.plug.power","time":%d,"value":5}]`,
		at, at+60000, at)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/ingest/v1/readings", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if res := s.Send(t, req); res.Status != http.StatusOK {
		t.Fatalf("ingest: %d %s", res.Status, res.Body)
	}
	m := scrape(t, s.URL+"/metrics")
	for _, want := range []string{
		`serenade_ingest_readings_total{result="stored"} 2`, `serenade_ingest_readings_total{result="duplicate"} 1`,
		"serenade_ingest_batch_size_sum 3", "serenade_ingest_batch_size_count 1",
		`serenade_ingest_lag_seconds_bucket{le="60"} 1`, `serenade_ingest_lag_seconds_bucket{le="300"} 3`, "serenade_ingest_lag_seconds_sum 210",
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
