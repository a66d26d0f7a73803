package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"serenade/internal/simulate"
	"serenade/internal/testsupport/pgtest"
)

// TestSIGKILLDuringIngestLosesNoAcknowledgedReading streams one home's
// batches over HTTP and kills the server with SIGKILL three times while
// a batch is in flight. After each restart the gateway re-sends from its
// first unacknowledged batch, as a real one does. At the end the
// database holds every reading exactly once (none lost, none twice,
// nothing else) and the audit chain verifies.
func TestSIGKILLDuringIngestLosesNoAcknowledgedReading(t *testing.T) {
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"SERENADE_DATA_DIR=" + dir, "SERENADE_DEMO_SENSOR_DAYS=0"}
			url := dir + "/serenade.db"
			if backend == "postgres" {
				url = pgtest.New(t)
				env = append(env, "SERENADE_DATABASE_URL="+url)
			}
			k := &killable{t: t, bin: bin, env: env}
			k.start()
			defer k.stop()
			ctx := context.Background()
			gw := k.gateway(ctx, "")
			batches := batchesOf(simulate.NewHome(7), time.Now().UTC(), 300)
			next := 0
			for round, killAfter := range []int{5, 9, 14, len(batches)} {
				acked := sendUntilKilled(ctx, k, gw, batches[next:], killAfter-next, round < 3)
				next += acked
				if next == len(batches) {
					break
				}
				k.wait()
				k.start()
				gw = k.gateway(ctx, gw.token)
			}
			if next != len(batches) {
				t.Fatalf("%d of %d batches acknowledged", next, len(batches))
			}
			k.stop()
			checkReadingsExactlyOnce(t, backend, url, batches)
			verify := exec.Command(bin, "audit", "verify")
			verify.Env = append(os.Environ(), env...)
			if out, err := verify.CombinedOutput(); err != nil {
				t.Fatalf("audit verify after the kills: %v\n%s", err, out)
			}
		})
	}
}

// killable is a serenade server process that a test kills and restarts
// on the same database.
type killable struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	cmd  *exec.Cmd
	logs bytes.Buffer
}

func (k *killable) start() {
	k.t.Helper()
	addr := freeAddr(k.t)
	k.base = "http://" + addr
	k.cmd = exec.Command(k.bin, "serve", "--demo", "--listen", addr)
	k.cmd.Env, k.cmd.Stdout, k.cmd.Stderr = append(os.Environ(), k.env...), &k.logs, &k.logs
	if err := k.cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	waitReady(k.t, k.base)
}

func (k *killable) kill() { _ = k.cmd.Process.Signal(syscall.SIGKILL) }
func (k *killable) wait() { _ = k.cmd.Wait() }
func (k *killable) stop() {
	if k.cmd.ProcessState == nil {
		_ = k.cmd.Process.Signal(syscall.SIGTERM)
		k.wait()
	}
}

// tokenGateway is one home's gateway: its token, sent to the current server.
type tokenGateway struct {
	simulate.Gateway
	token string
}

// gateway logs in as the demo installer and provisions the home's token
// the first time (token ""), then keeps it across restarts.
func (k *killable) gateway(ctx context.Context, token string) tokenGateway {
	k.t.Helper()
	c, err := simulate.Login(ctx, k.base, "iit-gennaro", "gennaro")
	if err != nil {
		k.t.Fatal(err)
	}
	if token == "" {
		homes, err := c.Homes(ctx)
		if err != nil || len(homes) == 0 {
			k.t.Fatalf("no collecting home: %v", err)
		}
		if token, err = c.Provision(ctx, homes[0].Installation); err != nil {
			k.t.Fatal(err)
		}
	}
	return tokenGateway{c.Gateway(token), token}
}

// batchesOf cuts the home's last day into batches.
func batchesOf(h simulate.Home, now time.Time, size int) [][]simulate.Reading {
	all := slices.Collect(h.Readings(now.Add(-24*time.Hour), now, simulate.Faults{}))
	return slices.Collect(slices.Chunk(all, size))
}

// sendUntilKilled sends batches in order and returns how many were
// acknowledged. With kill set, it sends the SIGKILL while batch
// killAfter is in flight, so the server dies mid-write.
func sendUntilKilled(ctx context.Context, k *killable, gw tokenGateway, batches [][]simulate.Reading, killAfter int, kill bool) int {
	for i, b := range batches {
		if kill && i == killAfter {
			time.AfterFunc(time.Duration(i%4)*time.Millisecond, k.kill)
		}
		if _, err := gw.Send(ctx, b); err != nil {
			if !kill {
				k.t.Fatalf("batch %d without a kill: %v\n%s", i, err, k.logs.String())
			}
			return i
		}
	}
	return len(batches)
}

// checkReadingsExactlyOnce compares the stored readings with those sent.
func checkReadingsExactlyOnce(t *testing.T, backend, url string, batches [][]simulate.Reading) {
	type key struct {
		stream string
		at     int64
	}
	want := map[key]float64{}
	for _, b := range batches {
		for _, r := range b {
			want[key{r.Stream, r.Time.UnixMilli()}] = r.Value
		}
	}
	rows, err := openRaw(t, backend, url).Query(`SELECT s.key, r.at_ms, r.value FROM readings r JOIN streams s ON s.id = r.stream_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[key]float64{}
	for rows.Next() {
		var k key
		var v float64
		if err := rows.Scan(&k.stream, &k.at, &v); err != nil {
			t.Fatal(err)
		}
		if _, twice := got[k]; twice {
			t.Fatalf("%v stored twice", k)
		}
		got[k] = v
	}
	if len(got) != len(want) {
		t.Errorf("%d readings stored, %d sent", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Fatalf("reading %v: stored %v (present %v), sent %v", k, g, ok, v)
		}
	}
}
