package app

import (
	"fmt"
	"time"

	"serenade/internal/mqttingest"
)

// MQTTConfig selects MQTT ingest (SERENADE_MQTT_*): off while URL is
// empty.
type MQTTConfig struct {
	URL             string        // SERENADE_MQTT_URL: mqtt://host:port or mqtts://host:port
	CredentialsFile string        // SERENADE_MQTT_CREDENTIALS_FILE: username line, password line; mode 0600
	ClientID        string        // SERENADE_MQTT_CLIENT_ID: one per replica, stable across its restarts (default serenade-<hostname>)
	ShareGroup      string        // SERENADE_MQTT_SHARE_GROUP: the replicas' shared-subscription group (default serenade)
	TopicPrefix     string        // SERENADE_MQTT_TOPIC_PREFIX (default serenade/v1)
	SessionExpiry   time.Duration // SERENADE_MQTT_SESSION_EXPIRY: how long the broker keeps the session while disconnected (default 1h)
}

// mqttFromEnv reads the SERENADE_MQTT_* variables.
func (c *Config) mqttFromEnv(getenv func(string) string) error {
	for name, dst := range map[string]*string{
		"SERENADE_MQTT_URL":              &c.MQTT.URL,
		"SERENADE_MQTT_CREDENTIALS_FILE": &c.MQTT.CredentialsFile,
		"SERENADE_MQTT_CLIENT_ID":        &c.MQTT.ClientID,
		"SERENADE_MQTT_SHARE_GROUP":      &c.MQTT.ShareGroup,
		"SERENADE_MQTT_TOPIC_PREFIX":     &c.MQTT.TopicPrefix,
	} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if v := getenv("SERENADE_MQTT_SESSION_EXPIRY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SERENADE_MQTT_SESSION_EXPIRY: %w", err)
		}
		c.MQTT.SessionExpiry = d
	}
	return nil
}

// transport is the transport's configuration, without the credentials
// (read from their file when the server starts).
func (m MQTTConfig) transport() mqttingest.Config {
	return mqttingest.Config{URL: m.URL, ClientID: m.ClientID, Group: m.ShareGroup,
		Prefix: m.TopicPrefix, SessionExpiry: m.SessionExpiry}.WithDefaults()
}

// check validates the MQTT settings; nil when MQTT ingest is off.
func (m MQTTConfig) check() error {
	if m.URL == "" {
		if m.CredentialsFile != "" {
			return fmt.Errorf("SERENADE_MQTT_CREDENTIALS_FILE needs SERENADE_MQTT_URL")
		}
		return nil
	}
	return m.transport().Validate()
}
