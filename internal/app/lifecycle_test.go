package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/syncbuf"
)

// logRecords decodes the JSON log records written so far.
func logRecords(t *testing.T, logs *syncbuf.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// stopOrder lists the runners in the order the log says they stopped.
func stopOrder(t *testing.T, logs *syncbuf.Buffer) []string {
	var order []string
	for _, r := range logRecords(t, logs) {
		if r["msg"] == "stopped" {
			order = append(order, r["runner"].(string))
		}
	}
	return order
}

// The server stops in the order the parts need each other: intake (HTTP
// and metrics listeners) first, then the background workers, then the
// audit writer, the store, and telemetry last; and every request
// answered before the shutdown has its audit entry in the trail.
func TestShutdownStopsRunnersInOrder(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true,
				Log:  slog.New(slog.NewJSONHandler(logs, nil)),
				Edit: func(c *app.Config) { c.MetricsListen = "127.0.0.1:0" }})
			tok := s.Login(t, "dottore-alice", "alice")
			const reads = 5
			for range reads {
				if res := s.Do(t, http.MethodGet, "/api/v1/patients", tok, nil); res.Status != http.StatusOK {
					t.Fatalf("list patients = %d %s", res.Status, res.Body)
				}
			}
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			got := stopOrder(t, logs)
			intake := got[:min(2, len(got))]
			slices.Sort(intake)
			want := []string{"http server", "metrics server", "web session sweep", "key watch", "partition upkeep", "silence sweep", "audit writer", "store", "telemetry"}
			if !slices.Equal(intake, want[:2]) || !slices.Equal(got[2:], want[2:]) {
				t.Errorf("runners stopped in the order %v, want %v (the two listeners in either order)", got, want)
			}
			n, err := app.VerifyAudit(context.Background(), s.Config)
			if err != nil {
				t.Fatal(err)
			}
			if n < reads+1 { // the login and the reads
				t.Errorf("audit trail after shutdown holds %d entries, want at least %d", n, reads+1)
			}
		})
	}
}

// A key reload (what SIGHUP does) asked for while the server is still
// starting neither races with start-up nor is lost: it is carried out
// once the store is open. Run with -race: the reload reads what the
// start-up goroutine writes.
func TestKeyReloadDuringStartUp(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			cfg := app.Defaults()
			cfg.Listen, cfg.DataDir, cfg.Demo = "127.0.0.1:0", t.TempDir(), true
			if backend == "postgres" {
				cfg.DatabaseURL = pgtest.New(t)
			}
			if err := cfg.Resolve(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a, err := app.Start(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			for ready := false; !ready && calls < 100_000; calls++ {
				select {
				case <-a.Ready():
					ready = true
				default:
				}
				if err := a.ReloadKeys(); err != nil {
					t.Fatalf("reload during start-up: %v", err)
				}
				time.Sleep(time.Millisecond) // a stream of signals, not a busy loop (nothing is timed)
			}
			<-a.Ready()
			deferred, caughtUp := 0, 0
			for _, r := range logRecords(t, logs) {
				switch r["msg"] {
				case "master key reload asked for during start-up: it runs once the store is open":
					deferred++
				case "master keys reloaded, as asked for during start-up":
					caughtUp++
				}
			}
			if deferred > 0 && caughtUp != 1 {
				t.Errorf("%d reloads were asked for during start-up, and %d carried out once the store was open; want 1", deferred, caughtUp)
			}
			if deferred == 0 {
				t.Log("every reload came after start-up finished; the deferred path was not exercised this run")
			}
			if res, err := http.Get("http://" + a.Addr() + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("readyz after reloads during start-up: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			cancel()
			if err := a.Wait(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
	}
}
