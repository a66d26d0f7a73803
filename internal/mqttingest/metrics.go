package mqttingest

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a message, the values of the "outcome" label.
const (
	OutcomeStored   = "stored"   // written, then acknowledged
	OutcomeRejected = "rejected" // can never be written: acknowledged and dropped
	OutcomeRetried  = "retried"  // an attempt failed for a reason that may pass; not acknowledged
)

// Metrics are the transport's Prometheus series. No label carries an
// identity, a token or a topic.
type Metrics struct {
	connected prometheus.Gauge
	connects  *prometheus.CounterVec
	messages  *prometheus.CounterVec
}

// NewMetrics registers the series in reg:
//
//	serenade_mqtt_connected                      1 while connected and subscribed, else 0
//	serenade_mqtt_connect_attempts_total{result} result: up | failed
//	serenade_mqtt_messages_total{outcome}        outcome: stored | rejected | retried
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "serenade_mqtt_connected",
			Help: "1 while Serenade is connected to the MQTT broker and subscribed, else 0.",
		}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "serenade_mqtt_connect_attempts_total",
			Help: "Connection attempts to the MQTT broker, by result (up, failed).",
		}, []string{"result"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "serenade_mqtt_messages_total",
			Help: "MQTT ingest messages by outcome: stored (then acknowledged), rejected (acknowledged and dropped), retried (an attempt failed; not acknowledged).",
		}, []string{"outcome"}),
	}
	for _, o := range []string{OutcomeStored, OutcomeRejected, OutcomeRetried} {
		m.messages.WithLabelValues(o)
	}
	m.connects.WithLabelValues("up")
	m.connects.WithLabelValues("failed")
	reg.MustRegister(m.connected, m.connects, m.messages)
	return m
}

func (m *Metrics) setConnected(up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.connected.Set(v)
}

func (m *Metrics) connect(result string) {
	if m != nil {
		m.connects.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) message(outcome string) {
	if m != nil {
		m.messages.WithLabelValues(outcome).Inc()
	}
}
