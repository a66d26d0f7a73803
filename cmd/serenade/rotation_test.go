package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/syncbuf"
)

// deployment is one database and one master key file shared by the
// processes a test starts: servers and `serenade` subcommands.
type deployment struct {
	bin string
	env []string
}

func newDeployment(t *testing.T, backend string) *deployment {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	d := &deployment{bin: bin, env: []string{"SERENADE_DATA_DIR=" + t.TempDir()}}
	if backend == "postgres" {
		d.env = append(d.env, "SERENADE_DATABASE_URL="+pgtest.New(t))
	}
	return d
}

// run runs a subcommand to its end and fails the test unless it exits 0.
func (d *deployment) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// exec runs a subcommand; its error carries the output.
func (d *deployment) exec(args ...string) (string, error) {
	cmd := exec.Command(d.bin, args...)
	cmd.Env = append(os.Environ(), d.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("serenade %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// server is a running `serenade serve --demo` process.
type server struct {
	cmd   *exec.Cmd
	base  string
	logs  *syncbuf.Buffer
	token string
}

func (d *deployment) serve(t *testing.T) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{base: "http://" + addr, logs: &syncbuf.Buffer{}}
	s.cmd = exec.Command(d.bin, "serve", "--demo", "--listen", addr)
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = append(os.Environ(), d.env...), s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	waitReady(t, s.base)
	s.token = s.login(t)
	return s
}

func (s *server) login(t *testing.T) string {
	t.Helper()
	res, err := http.PostForm(s.base+"/api/v1/auth/token", url.Values{"grant_type": {"password"}, "username": {"dottore-alice"}, "password": {"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, res, &tok)
	return tok.AccessToken
}

// stop shuts the server down with SIGTERM and fails on an unclean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v\n%s", err, s.logs)
	}
}

// do sends a request as the doctor and returns the status.
func (s *server) do(method, path string) (int, []byte, error) {
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// enrolled returns the ids of the patients who have not withdrawn.
func (s *server) enrolled(t *testing.T) []string {
	t.Helper()
	status, body, err := s.do(http.MethodGet, "/api/v1/patients")
	if err != nil || status != http.StatusOK {
		t.Fatalf("list patients: %d %v %s", status, err, body)
	}
	var list struct {
		Patients []struct {
			ID        string `json:"id"`
			Withdrawn bool   `json:"withdrawn"`
		} `json:"patients"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range list.Patients {
		if !p.Withdrawn {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

func (s *server) withdraw(id string) error {
	status, body, err := s.do(http.MethodDelete, "/api/v1/patients/"+id)
	if err == nil && status != http.StatusNoContent {
		err = fmt.Errorf("withdraw %s: %d %s", id, status, body)
	}
	return err
}

// readsBack fails the test unless every patient reads back and the
// server is ready (its master keys match the database).
func (s *server) readsBack(t *testing.T, ids []string) {
	t.Helper()
	for _, id := range ids {
		if status, body, err := s.do(http.MethodGet, "/api/v1/patients/"+id); err != nil || status != http.StatusOK {
			t.Fatalf("patient %s: %d %v %s\nserver log:\n%s", id, status, err, body, s.logs)
		}
	}
	if res, err := http.Get(s.base + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the rotations: %v %v\n%s", res, err, s.logs)
	}
}

// settle is what must hold after each scenario: the remaining patients
// read back on every server, the server starts again on the same key
// file and reads them, and `audit verify` passes.
func (d *deployment) settle(t *testing.T, remaining []string, servers ...*server) {
	t.Helper()
	for _, s := range servers {
		s.readsBack(t, remaining)
		s.stop(t)
	}
	restarted := d.serve(t)
	restarted.readsBack(t, remaining)
	restarted.stop(t)
	if out := d.run(t, "audit", "verify"); !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify: %s", out)
	}
}

// TestKeysRotateWhileAServerWithdraws is the first example: the
// CLI rotates while a server runs, then the server's first request
// withdraws a patient.
func TestKeysRotateWhileAServerWithdraws(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			s := d.serve(t)
			ids := s.enrolled(t)
			d.run(t, "keys", "rotate")
			if err := s.withdraw(ids[0]); err != nil {
				t.Fatal(err)
			}
			d.settle(t, ids[1:], s)
		})
	}
}

// TestTwoServersWithdrawingAtOnce is the second example: two servers on
// one database and key file, each withdrawing at the same time.
func TestTwoServersWithdrawingAtOnce(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			a := d.serve(t)
			b := d.serve(t)
			ids := a.enrolled(t)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for i, s := range []*server{a, b, a, b} {
				wg.Go(func() { errs <- s.withdraw(ids[i]) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			d.settle(t, ids[4:], a, b)
		})
	}
}

// TestRotationsAndWithdrawalsUnderConcurrentReads is the third example:
// readers on two servers while the CLI rotates and the servers withdraw.
// The loops are bounded: 4 rotations and 4 withdrawals, and the readers
// stop when those are done. No read may fail.
func TestRotationsAndWithdrawalsUnderConcurrentReads(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			a := d.serve(t)
			b := d.serve(t)
			ids := a.enrolled(t)
			withdrawn, remaining := ids[:4], ids[4:]
			stop := make(chan struct{})
			var reads atomic.Int64
			failed := make(chan string, 1)
			var readers sync.WaitGroup
			for r, s := range []*server{a, b, a, b} {
				readers.Go(func() {
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						path := "/api/v1/patients"
						if n%2 == 0 {
							path += "/" + remaining[(n+r)%len(remaining)]
						}
						status, body, err := s.do(http.MethodGet, path)
						if err != nil || status != http.StatusOK {
							select {
							case failed <- fmt.Sprintf("GET %s: %d %v %s", path, status, err, body):
							default:
							}
						}
						reads.Add(1)
					}
				})
			}
			var writers sync.WaitGroup
			werrs := make(chan error, len(withdrawn)+4)
			writers.Go(func() {
				for range 4 {
					_, err := d.exec("keys", "rotate")
					werrs <- err
				}
			})
			writers.Go(func() {
				for i, id := range withdrawn {
					werrs <- []*server{a, b}[i%2].withdraw(id)
				}
			})
			writers.Wait()
			close(stop)
			readers.Wait()
			close(werrs)
			for err := range werrs {
				if err != nil {
					t.Fatal(err)
				}
			}
			select {
			case f := <-failed:
				t.Fatalf("a read failed during the rotations: %s", f)
			default:
			}
			t.Logf("%d reads during 4 rotations and 4 withdrawals, none failed", reads.Load())
			d.settle(t, remaining, a, b)
		})
	}
}
