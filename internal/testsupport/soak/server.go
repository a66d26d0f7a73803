package soak

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// server is `serenade serve --demo` running as a process of its own.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

// startServer starts bin serve --demo on a free loopback port with the
// data directory dir and, when databaseURL is not "", PostgreSQL (else
// the embedded SQLite in dir); its output goes to dir/server.log. The
// demo's own sensor history is off: the soak's homes send theirs with
// `serenade simulate`. It returns once /readyz answers 200.
func startServer(ctx context.Context, bin, dir, databaseURL string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--demo", "--listen", addr)
	cmd.Env = append(os.Environ(), "SERENADE_DATA_DIR="+filepath.Join(dir, "data"), "SERENADE_DEMO_SENSOR_DAYS=0")
	if databaseURL != "" {
		cmd.Env = append(cmd.Env, "SERENADE_DATABASE_URL="+databaseURL)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: log}
	if err := s.waitReady(ctx, 3*time.Minute); err != nil {
		_ = s.stop()
		return nil, err
	}
	return s, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the server was not ready within %s (see %s)", limit, s.log.Name())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop asks the server to drain (SIGTERM), kills it after a minute, and
// returns how it ended: nil for a clean exit.
func (s *server) stop() error {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		return errors.Join(errors.New("the server did not stop within a minute of SIGTERM: killed"), <-done)
	}
}
