package deploy

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// brokerTools finds the Mosquitto broker and clients, or skips loudly
// (fails under CI=true, where a skip would hide a missing install).
func brokerTools(t *testing.T) (broker, pub, sub string) {
	t.Helper()
	var missing []string
	find := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			if p := filepath.Join(d, name); fileExists(p) {
				return p
			}
		}
		missing = append(missing, name)
		return ""
	}
	broker, pub, sub = find("mosquitto", "/usr/sbin"), find("mosquitto_pub"), find("mosquitto_sub")
	if find("mosquitto_passwd"); len(missing) > 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v not installed (apt-get install mosquitto mosquitto-clients); CI=true, so this fails", missing)
		}
		t.Skipf("SKIPPED LOUDLY: %v not installed (apt-get install mosquitto mosquitto-clients)", missing)
	}
	return broker, pub, sub
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// startBroker runs Mosquitto with the shipped mosquitto.conf and
// acl.conf, changed only where a test must: a loopback port for the
// internal listener, no TLS listener, files in dir.
func startBroker(t *testing.T, broker, dir string) string {
	t.Helper()
	b, err := os.ReadFile("mosquitto/mosquitto.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf, _, _ := strings.Cut(string(b), "\n# The gateways, over TLS")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	acl, _ := filepath.Abs("mosquitto/acl.conf")
	conf = strings.NewReplacer(
		"listener 1883\n", "listener "+port+" 127.0.0.1\n",
		"/mosquitto/secrets/passwd", filepath.Join(dir, "mosquitto", "passwd"),
		"/mosquitto/config/acl.conf", acl,
		"/mosquitto/data/", dir+"/",
	).Replace(conf) + "\nuser " + currentUser(t) + "\n"
	path := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(broker, "-c", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return port
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("mosquitto did not listen")
	return ""
}

func currentUser(t *testing.T) string {
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// A gateway made by scripts/mqtt-gateway.sh publishes to its own topic
// and to no other gateway's; Serenade's account receives the readings
// through its shared subscription; nobody connects without credentials.
func TestGatewaysWriteOnlyTheirOwnTopic(t *testing.T) {
	broker, pub, sub := brokerTools(t)
	dir := t.TempDir()
	gateway := func(args ...string) string {
		out, err := exec.Command("bash", append([]string{"scripts/mqtt-gateway.sh", "--dir", dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("mqtt-gateway.sh %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	password := func(out string) string {
		m := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no password in %q", out)
		}
		return m[1]
	}
	gateway("set", "serenade", "serenade-password")
	pwA, pwB := password(gateway("add", "gwA7Qm2x")), password(gateway("add", "gwB9Zk4y"))
	port := startBroker(t, broker, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Serenade's subscription, as the transport makes it.
	// stdbuf: mosquitto_sub's debug lines would wait in a full buffer.
	subCmd := exec.CommandContext(ctx, "stdbuf", "-oL", sub, "-h", "127.0.0.1", "-p", port, "-V", "5", "-q", "1", "-d", "-v",
		"-u", "serenade", "-P", "serenade-password", "-t", "$share/serenade/serenade/v1/ingest/+/readings")
	out, err := subCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := subCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = subCmd.Process.Kill(); _ = subCmd.Wait() }()
	lines := bufio.NewScanner(out)
	for lines.Scan() && !strings.Contains(lines.Text(), "SUBACK") {
	}

	publish := func(user, pw, topic, payload string) error {
		args := []string{"-h", "127.0.0.1", "-p", port, "-V", "5", "-q", "1", "-t", topic, "-m", payload}
		if user != "" {
			args = append(args, "-u", user, "-P", pw)
		}
		return exec.CommandContext(ctx, pub, args...).Run()
	}
	const own, other = "serenade/v1/ingest/gwA7Qm2x/readings", "serenade/v1/ingest/gwB9Zk4y/readings"
	_ = publish("gwA7Qm2x", pwA, other, "forged by A")
	_ = publish("gwA7Qm2x", pwA, "serenade/v1/other/gwA7Qm2x", "off the layout")
	if err := publish("", "", own, "anonymous"); err == nil {
		t.Error("an anonymous client published")
	}
	if err := publish("gwA7Qm2x", pwB, own, "wrong password"); err == nil {
		t.Error("gateway A connected with B's password")
	}
	if err := publish("gwA7Qm2x", pwA, own, "from A"); err != nil {
		t.Fatalf("gateway A could not publish to its own topic: %v", err)
	}
	if err := publish("gwB9Zk4y", pwB, other, "from B"); err != nil {
		t.Fatalf("gateway B could not publish to its own topic: %v", err)
	}
	var got []string
	for len(got) < 2 && lines.Scan() {
		if line := lines.Text(); strings.HasPrefix(line, "serenade/") {
			got = append(got, line)
		}
	}
	want := []string{own + " from A", other + " from B"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Serenade received %q; want only the gateways' own readings %q", got, want)
	}
}
