// Package mqtttest gives tests a real MQTT broker: Debian's mosquitto,
// started as a child process on 127.0.0.1 with a free port and a config
// of its own in a temporary directory.
//
// The broker keeps its sessions on disk (persistence on), so Restart
// (SIGTERM, then a new process on the same port and files) keeps the
// messages queued for persistent sessions, as a production broker does
// across a planned restart. It is stopped when the test ends.
//
// Without mosquitto, a test fails when the environment variable CI is
// true, so that a CI run never passes by skipping its MQTT tests; on a
// developer's machine it is skipped with a loud message.
package mqtttest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary is where Debian's mosquitto package installs the broker;
// PasswdBinary makes its password files.
const (
	Binary       = "/usr/sbin/mosquitto"
	PasswdBinary = "/usr/bin/mosquitto_passwd"
)

// startTimeout bounds how long the broker may take to accept connections,
// and stopTimeout how long it may take to save its sessions and exit.
const (
	startTimeout = 15 * time.Second
	stopTimeout  = 15 * time.Second
)

// Options shape the broker.
type Options struct {
	// Users maps usernames to passwords. Empty: anonymous clients are
	// allowed; otherwise only these users may connect.
	Users map[string]string
}

// Broker is a running mosquitto.
type Broker struct {
	t    testing.TB
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	log    *bytes.Buffer
}

// Start starts a broker for t; it is stopped, and its files removed,
// when the test ends.
func Start(t testing.TB, opts Options) *Broker {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		missing(t)
	}
	b := &Broker{t: t, dir: t.TempDir()}
	for attempt := 1; ; attempt++ {
		// The port was free when probed; another process may take it
		// before mosquitto binds it, and then a new one is probed.
		b.port = freePort(t)
		b.writeConfig(opts)
		if b.launch() {
			break
		}
		if attempt == 3 {
			t.Fatalf("mqtttest: mosquitto found its port taken %d times:\n%s", attempt, b.Log())
		}
	}
	t.Cleanup(func() {
		b.Stop()
		if t.Failed() {
			t.Logf("mqtttest: broker log:\n%s", b.Log())
		}
	})
	return b
}

// URL is mqtt://127.0.0.1:PORT; it stays the same across restarts.
func (b *Broker) URL() string { return "mqtt://" + b.Addr() }

// Addr is 127.0.0.1:PORT.
func (b *Broker) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }

// Restart stops the broker the way an operator does (SIGTERM: it saves
// its sessions and queued messages) and starts it again on the same
// port and files.
func (b *Broker) Restart() {
	b.t.Helper()
	b.Stop()
	b.start()
}

// Stop stops the broker (SIGTERM, then SIGKILL after stopTimeout). It
// may be called more than once.
func (b *Broker) Stop() {
	b.mu.Lock()
	cmd, exited := b.cmd, b.exited
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Log is what the broker printed so far.
func (b *Broker) Log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log == nil {
		return ""
	}
	return b.log.String()
}

// writeConfig writes mosquitto.conf (and the password file).
func (b *Broker) writeConfig(opts Options) {
	b.t.Helper()
	lines := []string{
		fmt.Sprintf("listener %d 127.0.0.1", b.port),
		"persistence true",
		"persistence_location " + b.dir + "/",
		"autosave_interval 1",
		"max_queued_messages 0", // no limit: a test never loses a queued message to it
		"log_dest stderr",
		"log_type error",
		"log_type warning",
		"log_type notice",
		"log_type information",
	}
	if os.Geteuid() == 0 {
		// Started by root, mosquitto would switch to the user mosquitto,
		// who cannot read the test's private directory.
		lines = append(lines, "user root")
	}
	if len(opts.Users) == 0 {
		lines = append(lines, "allow_anonymous true")
	} else {
		lines = append(lines, "allow_anonymous false", "password_file "+b.passwordFile(opts.Users))
	}
	conf := strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(b.configPath(), []byte(conf), 0o600); err != nil {
		b.t.Fatalf("mqtttest: %v", err)
	}
}

// passwordFile hashes the users' passwords with mosquitto_passwd.
func (b *Broker) passwordFile(users map[string]string) string {
	b.t.Helper()
	path := filepath.Join(b.dir, "passwd")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		b.t.Fatalf("mqtttest: %v", err)
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		out, err := exec.Command(PasswdBinary, "-b", path, u, users[u]).CombinedOutput()
		if err != nil {
			b.t.Fatalf("mqtttest: mosquitto_passwd: %v: %s", err, out)
		}
	}
	return path
}

func (b *Broker) configPath() string { return filepath.Join(b.dir, "mosquitto.conf") }

// start runs mosquitto again on its port and waits until it accepts
// connections.
func (b *Broker) start() {
	b.t.Helper()
	if !b.launch() {
		b.t.Fatalf("mqtttest: mosquitto found its port %d taken on restart:\n%s", b.port, b.Log())
	}
}

// launch runs mosquitto and waits until it accepts connections: true
// once it runs, false if it exited because its port was taken (another
// process may bind a port between freePort's probe and mosquitto). A
// connection counts only once mosquitto says it runs, since until then
// whoever took the port would answer it.
func (b *Broker) launch() bool {
	b.t.Helper()
	cmd := exec.Command(Binary, "-c", b.configPath())
	log := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = &lockedWriter{mu: &b.mu, w: log}, &lockedWriter{mu: &b.mu, w: log}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("mqtttest: start mosquitto: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b.mu.Lock()
	b.cmd, b.exited, b.log = cmd, exited, log
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", b.Addr())
		if err == nil {
			_ = c.Close()
			if strings.Contains(b.Log(), " running") {
				return true
			}
		}
		select {
		case <-exited:
			b.mu.Lock()
			b.cmd = nil
			b.mu.Unlock()
			if strings.Contains(b.Log(), "Address already in use") {
				return false
			}
			b.t.Fatalf("mqtttest: mosquitto exited at start:\n%s", b.Log())
		case <-ctx.Done():
			b.t.Fatalf("mqtttest: mosquitto did not accept connections within %s: %v\n%s", startTimeout, err, b.Log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// lockedWriter serialises the broker's output with readers of Log.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// freePort asks the kernel for a port that is free now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mqtttest: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var warnOnce sync.Once

// missing skips t loudly, or fails it under CI, where a skipped MQTT test
// would be a false green.
func missing(t testing.TB) {
	t.Helper()
	why := "mosquitto not installed (apt-get install mosquitto)"
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("mqtttest: %s; CI=true, so this is a failure, not a skip", why)
	}
	msg := "!!! " + why + ": SKIPPING MQTT tests !!!"
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, msg) })
	t.Skip(msg)
}
