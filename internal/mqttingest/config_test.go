package mqttingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	base := Config{URL: "mqtt://broker.example:1883"}.WithDefaults()
	cases := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // "" when valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"mqtts", func(c *Config) { c.URL = "mqtts://broker.example" }, ""},
		{"http scheme", func(c *Config) { c.URL = "http://broker.example" }, "want mqtt:// or mqtts://"},
		{"credentials in URL", func(c *Config) { c.URL = "mqtt://u:p@broker.example" }, "SERENADE_MQTT_CREDENTIALS_FILE"},
		{"path", func(c *Config) { c.URL = "mqtt://broker.example/x" }, "want mqtt://host:port"},
		{"no host", func(c *Config) { c.URL = "mqtt://" }, "want mqtt://host:port"},
		{"wildcard group", func(c *Config) { c.Group = "a+b" }, "SERENADE_MQTT_SHARE_GROUP"},
		{"slash group", func(c *Config) { c.Group = "a/b" }, "SERENADE_MQTT_SHARE_GROUP"},
		{"wildcard prefix", func(c *Config) { c.Prefix = "x/#" }, "SERENADE_MQTT_TOPIC_PREFIX"},
		{"system prefix", func(c *Config) { c.Prefix = "$SYS/x" }, "SERENADE_MQTT_TOPIC_PREFIX"},
		{"empty level", func(c *Config) { c.Prefix = "a//b" }, "SERENADE_MQTT_TOPIC_PREFIX"},
		{"trailing slash", func(c *Config) { c.Prefix = "a/" }, "SERENADE_MQTT_TOPIC_PREFIX"},
		{"short expiry", func(c *Config) { c.SessionExpiry = time.Millisecond }, "SERENADE_MQTT_SESSION_EXPIRY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			c.mutate(&cfg)
			err := cfg.Validate()
			if c.wantErr == "" && err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("got %v, want an error with %q", err, c.wantErr)
			}
		})
	}
}

func TestDefaultPorts(t *testing.T) {
	for in, want := range map[string]string{"mqtt://b": "b:1883", "mqtts://b": "b:8883", "mqtt://b:1999": "b:1999"} {
		u, err := Config{URL: in}.serverURL()
		if err != nil || u.Host != want {
			t.Errorf("%s: host %v (%v), want %s", in, u, err, want)
		}
	}
}

func TestReadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	u, p, err := ReadCredentials(write("ok", "serenade\nsp ace:pass\n", 0o600))
	if err != nil || u != "serenade" || p != "sp ace:pass" {
		t.Fatalf("got %q %q %v", u, p, err)
	}
	u, p, err = ReadCredentials(write("crlf", "serenade\r\npw\r\n", 0o400))
	if err != nil || u != "serenade" || p != "pw" {
		t.Fatalf("crlf: got %q %q %v", u, p, err)
	}
	for name, c := range map[string]struct {
		content string
		mode    os.FileMode
		want    string
	}{
		"readable by others": {"u\np\n", 0o644, "chmod 600"},
		"one line":           {"u\n", 0o600, "second"},
		"empty password":     {"u\n\n", 0o600, "second"},
		"three lines":        {"u\np\nq\n", 0o600, "more than two lines"},
	} {
		if _, _, err := ReadCredentials(write(name, c.content, c.mode)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
	}
	if _, _, err := ReadCredentials(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestTopicLayout(t *testing.T) {
	if got := Filter("g", "serenade/v1"); got != "$share/g/serenade/v1/ingest/+/readings" {
		t.Fatalf("filter %q", got)
	}
	topic := Topic("serenade/v1", "abc")
	if topic != "serenade/v1/ingest/abc/readings" {
		t.Fatalf("topic %q", topic)
	}
	if id, ok := publicIDOf("serenade/v1", topic); !ok || id != "abc" {
		t.Fatalf("public id %q %v", id, ok)
	}
	for _, bad := range []string{"serenade/v1/ingest//readings", "other/ingest/abc/readings", "serenade/v1/ingest/a/b/readings", "serenade/v1/ingest/abc/other"} {
		if id, ok := publicIDOf("serenade/v1", bad); ok {
			t.Errorf("%q gave public id %q", bad, id)
		}
	}
}
