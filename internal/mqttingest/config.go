// Package mqttingest receives sensor readings over MQTT: Serenade is a
// subscriber of a broker (MQTT 5, QoS 1) to which the home gateways
// publish the same payloads as over HTTP. A message is acknowledged to
// the broker only once its readings are durable (the sink returned);
// replicas share the messages through one shared subscription.
//
// The transport checks what belongs to MQTT (topic layout, the token's
// place in the message, acknowledgement and redelivery); the payload,
// the token and the write are the ingest service's, reached through Sink.
package mqttingest

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultGroup         = "serenade"
	DefaultPrefix        = "serenade/v1"
	DefaultSessionExpiry = time.Hour
	DefaultWorkers       = 8
)

// Config is how Serenade reaches the broker.
type Config struct {
	// URL is mqtt://host:port or mqtts://host:port (TLS, checked against
	// the system's roots). It carries no credentials.
	URL string
	// Username and Password authenticate Serenade to the broker (from
	// the credentials file); both empty: anonymous.
	Username, Password string
	// ClientID names Serenade's session at the broker: it must be
	// different for every replica and stay the same across a replica's
	// restarts, so that the broker hands the messages it kept for the
	// session back to it.
	ClientID string
	// Group is the shared-subscription group: the replicas of one
	// deployment share it, and each message goes to one of them.
	Group string
	// Prefix is the topic prefix, e.g. serenade/v1; see Topics.
	Prefix string
	// SessionExpiry is how long the broker keeps the session (and the
	// messages queued for it) while Serenade is disconnected.
	SessionExpiry time.Duration
	// Workers is how many messages are handled at once; the broker is
	// asked to send at most 2×Workers unacknowledged messages.
	Workers int
}

// WithDefaults fills what is unset.
func (c Config) WithDefaults() Config {
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.SessionExpiry == 0 {
		c.SessionExpiry = DefaultSessionExpiry
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.ClientID == "" {
		host, _ := os.Hostname()
		c.ClientID = "serenade-" + host
	}
	return c
}

// Validate checks the URL and the names; errors name the variable.
func (c Config) Validate() error {
	if _, err := c.serverURL(); err != nil {
		return err
	}
	if strings.ContainsAny(c.Group, "/+#") || c.Group == "" {
		return fmt.Errorf("SERENADE_MQTT_SHARE_GROUP: want a name without '/', '+' or '#', got %q", c.Group)
	}
	if err := validPrefix(c.Prefix); err != nil {
		return fmt.Errorf("SERENADE_MQTT_TOPIC_PREFIX: %w", err)
	}
	if c.SessionExpiry < time.Second || c.SessionExpiry > 49*24*time.Hour {
		return fmt.Errorf("SERENADE_MQTT_SESSION_EXPIRY: want 1s to 1176h, got %s", c.SessionExpiry)
	}
	if c.Workers < 1 || c.Workers > 1000 {
		return fmt.Errorf("mqtt workers: want 1 to 1000, got %d", c.Workers)
	}
	return nil
}

// serverURL parses URL: mqtt:// or mqtts://, a host, no credentials,
// nothing else.
func (c Config) serverURL() (*url.URL, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, errors.New("SERENADE_MQTT_URL: not a URL")
	}
	if u.Scheme != "mqtt" && u.Scheme != "mqtts" {
		return nil, fmt.Errorf("SERENADE_MQTT_URL: want mqtt:// or mqtts://, got %q", u.Scheme+"://")
	}
	if u.User != nil {
		return nil, errors.New("SERENADE_MQTT_URL: put the credentials in SERENADE_MQTT_CREDENTIALS_FILE, not in the URL")
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("SERENADE_MQTT_URL: want mqtt://host:port or mqtts://host:port")
	}
	if u.Port() == "" {
		port := "1883"
		if u.Scheme == "mqtts" {
			port = "8883"
		}
		u.Host += ":" + port
	}
	return u, nil
}

// ReadCredentials reads a credentials file: the username on the first
// line, the password on the second (the end of line is not part of
// either). Like the master key file, it is refused when its group or
// others may read it.
func ReadCredentials(path string) (username, password string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE %s: mode %04o lets others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	if len(lines) < 2 || lines[0] == "" || lines[1] == "" {
		return "", "", fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE %s: want the username on the first line and the password on the second", path)
	}
	for _, extra := range lines[2:] {
		if strings.TrimSpace(extra) != "" {
			return "", "", fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE %s: more than two lines", path)
		}
	}
	return lines[0], lines[1], nil
}
