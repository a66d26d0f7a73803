package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"serenade/internal/testsupport/pgtest"
)

// buildBinary builds serenade once per test process.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "serenade-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "serenade")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestSIGKILLLosesNoAcknowledgedAuditEntry kills the server with SIGKILL
// while clients write and read, then checks the trail verifies and holds
// an entry for every request that was answered.
func TestSIGKILLLosesNoAcknowledgedAuditEntry(t *testing.T) {
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"SERENADE_DATA_DIR=" + dir}
			if backend == "postgres" {
				env = append(env, "SERENADE_DATABASE_URL="+pgtest.New(t))
			}
			addr := freeAddr(t)
			var logs bytes.Buffer
			srv := exec.Command(bin, "serve", "--demo", "--listen", addr)
			srv.Env, srv.Stdout, srv.Stderr = append(os.Environ(), env...), &logs, &logs
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			waitReady(t, "http://"+addr)
			acked := hammerThenKill(t, "http://"+addr, srv.Process)
			srv.Wait()

			verify := exec.Command(bin, "audit", "verify")
			verify.Env = append(os.Environ(), env...)
			out, err := verify.CombinedOutput()
			if err != nil {
				t.Fatalf("audit verify after SIGKILL: %v\n%s", err, out)
			}
			missing := missingRequestIDs(t, backend, env, acked)
			if len(missing) > 0 {
				t.Errorf("%d of %d answered requests have no audit entry: %v", len(missing), len(acked), missing[:min(5, len(missing))])
			}
			t.Logf("%d answered requests before SIGKILL, all audited; %s", len(acked), strings.TrimSpace(string(out)))
		})
	}
}

func waitReady(t testing.TB, base string) {
	for range 300 {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server never became ready")
}

// hammerThenKill sends writes and reads from 16 clients, kills the
// server once 200 were answered (more are in flight), and returns the
// request ids of every answered request.
func hammerThenKill(t *testing.T, base string, p *os.Process) []string {
	res, err := http.PostForm(base+"/api/v1/auth/token", url.Values{"grant_type": {"password"}, "username": {"dottore-alice"}, "password": {"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, res, &tok)
	var mu sync.Mutex
	var acked []string
	var n atomic.Int64
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				method, body := http.MethodGet, ""
				if i%2 == 0 {
					method, body = http.MethodPut, `{"diagnosis_class":"mci"}`
				}
				req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/patients/%d/screening", base, 1+c), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, res.Header.Get("X-Request-Id")) // the server's id, which the trail keeps
					mu.Unlock()
					if n.Add(1) == 200 {
						_ = p.Signal(syscall.SIGKILL)
					}
				}
			}
		}()
	}
	wg.Wait()
	return acked
}

func decodeJSON(t testing.TB, res *http.Response, v any) {
	t.Helper()
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// missingRequestIDs returns the acknowledged ids absent from the trail.
func missingRequestIDs(t *testing.T, backend string, env, ids []string) []string {
	url := filepath.Join(strings.TrimPrefix(env[0], "SERENADE_DATA_DIR="), "serenade.db")
	if backend == "postgres" {
		url = strings.TrimPrefix(env[1], "SERENADE_DATABASE_URL=")
	}
	raw := openRaw(t, backend, url)
	present := map[string]bool{}
	rows, err := raw.Query(`SELECT request_id FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		present[id] = true
	}
	var missing []string
	for _, id := range ids {
		if !present[id] {
			missing = append(missing, id)
		}
	}
	return missing
}
