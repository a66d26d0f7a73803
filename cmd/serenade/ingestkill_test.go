package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serenade/internal/testsupport/pgtest"
)

// killRounds is how many times the server is killed while gateways send.
const killRounds = 3

// TestSIGKILLDuringIngestLosesNoAcknowledgedReading starts the server,
// has eight gateways stream batches over HTTP (some re-sent), kills it
// with SIGKILL once enough batches were acknowledged, restarts it on the
// same database and does it again; then every acknowledged reading is
// stored exactly once, the rollups equal the raw readings and the audit
// chain verifies. Both backends.
func TestSIGKILLDuringIngestLosesNoAcknowledgedReading(t *testing.T) {
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"SERENADE_DATA_DIR=" + dir}
			dbURL := dir + "/serenade.db"
			if backend == "postgres" {
				dbURL = pgtest.New(t)
				env = append(env, "SERENADE_DATABASE_URL="+dbURL)
			}
			env = append(env, "SERENADE_INGEST_MAX_IN_FLIGHT=16")
			var token string
			g := &gateways{}
			for round := range killRounds {
				addr := freeAddr(t)
				var logs bytes.Buffer
				srv := exec.Command(bin, "serve", "--demo", "--listen", addr)
				srv.Env, srv.Stdout, srv.Stderr = append(os.Environ(), env...), &logs, &logs
				if err := srv.Start(); err != nil {
					t.Fatal(err)
				}
				waitReady(t, "http://"+addr)
				if token == "" {
					token = provisionDemoToken(t, "http://"+addr)
					// After the demo's collection started (at seeding), within the 5 minutes ahead allowed.
					g.base = time.Now().Add(time.Second).UnixMilli()
				}
				g.sendThenKill(t, "http://"+addr, token, srv.Process)
				_ = srv.Wait()
				t.Logf("round %d: %d batches acknowledged so far", round, g.acked.Load())
			}
			verify := exec.Command(bin, "audit", "verify")
			verify.Env = append(os.Environ(), env...)
			if out, err := verify.CombinedOutput(); err != nil {
				t.Fatalf("audit verify after SIGKILL: %v\n%s", err, out)
			}
			g.check(t, backend, dbURL)
			if missing := missingRequestIDs(t, backend, env, g.requests); len(missing) > 0 || len(g.requests) == 0 {
				t.Errorf("%d of %d acknowledged batches have no audit entry", len(missing), len(g.requests))
			}
		})
	}
}

// provisionDemoToken provisions, as the demo installer, a token of a
// working demo installation.
func provisionDemoToken(t testing.TB, base string) string {
	t.Helper()
	res, err := http.PostForm(base+"/api/v1/auth/token", url.Values{"grant_type": {"password"}, "username": {"iit-gennaro"}, "password": {"gennaro"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, res, &tok)
	call := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var list struct {
		Installations []struct {
			ID     string
			Status string
		}
	}
	decodeJSON(t, call(http.MethodGet, "/api/v1/installations"), &list)
	for _, in := range list.Installations {
		if in.Status == "working" {
			var p struct{ Token string }
			decodeJSON(t, call(http.MethodPost, "/api/v1/installations/"+in.ID+"/ingest-tokens"), &p)
			return p.Token
		}
	}
	t.Fatal("no working demo installation")
	return ""
}

// gateways send batches of 200 readings of their own stream, each
// reading at its own millisecond, and remember the acknowledged ones.
type gateways struct {
	base  int64
	next  atomic.Int64 // next batch number, across rounds
	acked atomic.Int64
	mu    sync.Mutex
	got   map[string]bool // "stream@ms" of every acknowledged reading
	// requests are the request ids of the acknowledged batches, which
	// the trail keeps.
	requests []string
}

const killBatch = 200

func (g *gateways) batch(n int64) (string, []string) {
	stream := fmt.Sprintf("kill.g%d.power", n%8)
	var items, keys []string
	for j := range int64(killBatch) {
		at := g.base + (n/8*killBatch+j)*8 + n%8
		items = append(items, fmt.Sprintf(`{"stream":%q,"time":%d,"value":%d}`, stream, at, (n+j)%50))
		keys = append(keys, fmt.Sprintf("%s@%d", stream, at))
	}
	return "[" + strings.Join(items, ",") + "]", keys
}

// sendThenKill sends from eight gateways (every third batch re-sent
// once acknowledged) and kills the server after 60 more acknowledgements.
func (g *gateways) sendThenKill(t *testing.T, base, token string, p *os.Process) {
	g.mu.Lock()
	if g.got == nil {
		g.got = map[string]bool{}
	}
	g.mu.Unlock()
	target := g.acked.Load() + 60
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := g.next.Add(1) - 1
				body, keys := g.batch(n)
				for try := 0; try < 1+int(n%3/2); try++ { // n%3 == 2: sent twice
					req, _ := http.NewRequest(http.MethodPost, base+"/ingest/v1/readings", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the server is gone
					}
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						t.Errorf("batch %d: status %d", n, res.StatusCode)
						return
					}
					g.mu.Lock()
					for _, k := range keys {
						g.got[k] = true
					}
					g.requests = append(g.requests, res.Header.Get("X-Request-Id"))
					g.mu.Unlock()
					if g.acked.Add(1) == target {
						_ = p.Signal(syscall.SIGKILL)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// check finds every acknowledged reading stored once, and the rollups
// equal to the raw readings.
func (g *gateways) check(t *testing.T, backend, dbURL string) {
	raw := openRaw(t, backend, dbURL)
	stored := map[string]int{}
	rows, err := raw.Query(`SELECT s.key, r.at_ms FROM readings r JOIN streams s ON s.id = r.stream_id WHERE s.key LIKE 'kill.%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var at int64
		if err := rows.Scan(&key, &at); err != nil {
			t.Fatal(err)
		}
		stored[fmt.Sprintf("%s@%d", key, at)]++
	}
	missing := 0
	for k := range g.got {
		if stored[k] != 1 {
			missing++
		}
	}
	if missing > 0 || len(g.got) == 0 {
		t.Errorf("%d of %d acknowledged readings are not stored exactly once", missing, len(g.got))
	}
	var bad int
	err = raw.QueryRow(`SELECT COUNT(*) FROM (SELECT stream_id, (at_ms / 60000) * 60000 AS b, COUNT(*) AS n, MIN(value) AS lo, MAX(value) AS hi
		FROM readings GROUP BY stream_id, b) r FULL JOIN (SELECT * FROM rollups WHERE tier = 60) u
		ON u.stream_id = r.stream_id AND u.bucket_ms = r.b
		WHERE u.n IS NULL OR r.n IS NULL OR u.n <> r.n OR u.min <> r.lo OR u.max <> r.hi`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Errorf("%d minute buckets differ from the raw readings (%v)", bad, err)
	}
	t.Logf("%d acknowledged readings, all stored once; %d stored in all", len(g.got), len(stored))
}
