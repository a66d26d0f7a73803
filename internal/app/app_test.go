package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/conformance"
	"serenade/internal/testsupport/pgtest"
)

// TestMain runs the package's tests with the OpenAPI conformance check
// on (see docs/api.md, "OpenAPI conformance").
func TestMain(m *testing.M) {
	log := conformance.Start()
	code := pgtest.Run(m)
	os.Exit(log.Finish(os.Stderr, code, testing.Verbose()))
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestServeAnswersHealthAndReadinessOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			for _, path := range []string{"/healthz", "/readyz"} {
				if res := s.Do(t, http.MethodGet, path, "", nil); res.Status != http.StatusOK {
					t.Errorf("%s = %d %s", path, res.Status, res.Body)
				}
			}
			s.Login(t, "dottore-alice", "alice")
		})
	}
}

func TestReadinessWaitsForTheStore(t *testing.T) {
	t.Parallel()
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	// A PostgreSQL URL nobody answers: the store cannot open, so the
	// server is alive but never ready, and start-up finally fails.
	cfg.DatabaseURL = "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) int {
		res, err := http.Get("http://" + a.Addr() + path)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("/healthz"); got != http.StatusOK && got != 0 {
		t.Errorf("healthz = %d", got)
	}
	if got := get("/readyz"); got == http.StatusOK {
		t.Error("ready although the database is unreachable")
	}
	if err := a.Wait(); err == nil {
		t.Error("start-up with an unreachable database should fail")
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) { // serial: a pause orders the request before the shutdown
	cfg := app.Defaults()
	cfg.Listen, cfg.DataDir, cfg.Demo = "127.0.0.1:0", t.TempDir(), true
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	<-a.Ready()
	// A slow client: the request is in flight (body still uploading) when
	// shutdown starts, and must still be answered.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, "http://"+a.Addr()+"/api/v1/auth/token", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- -1
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	pw.Write([]byte("grant_type=password&username=dottore-alice"))
	time.Sleep(100 * time.Millisecond) // let the request reach the handler (ordering only, nothing is timed)
	cancel()
	pw.Write([]byte("&password=alice"))
	pw.Close()
	if got := <-done; got != http.StatusOK {
		t.Errorf("in-flight login during shutdown = %d, want 200", got)
	}
	if err := a.Wait(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := http.Get("http://" + a.Addr() + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestDemoRefusesPublicAddresses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		listen string
		force  bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false},
		{"0.0.0.0:8080", true, true},
	}
	for _, c := range cases {
		t.Run(c.listen, func(t *testing.T) {
			cfg := app.Defaults()
			cfg.Listen, cfg.Demo, cfg.DemoAllowPublic = c.listen, true, c.force
			err := cfg.Resolve()
			if (err == nil) != c.ok {
				t.Errorf("Resolve() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestFirstStartCreatesAPrivateMasterKeyAndRefusesAnExposedOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := app.Defaults()
	cfg.DataDir = dir
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Migrate(context.Background(), cfg, quiet()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"master.key", "serenade.db"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	os.Chmod(filepath.Join(dir, "master.key"), 0o640)
	if _, err := app.Migrate(context.Background(), cfg, quiet()); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("exposed key file: err = %v", err)
	}
}

func TestEnvironmentMasterKeyMustMatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := app.Defaults()
	cfg.DataDir, cfg.MasterKey = dir, "1 "+strings.Repeat("A", 43)+"="
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Migrate(context.Background(), cfg, quiet()); err != nil {
		t.Fatal(err)
	}
	cfg.MasterKey = "1 " + strings.Repeat("B", 43) + "="
	if _, err := app.Migrate(context.Background(), cfg, quiet()); !errors.Is(err, keyring.ErrKeyCheck) || !strings.Contains(err.Error(), "master key does not match this database") {
		t.Errorf("wrong environment key: err = %v", err)
	}
}
