package mqttingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"serenade/internal/testsupport/mqtttest"
)

// These tests run the transport against a real mosquitto with a sink
// that records what it was given; the end-to-end tests with the real
// ingest service are in internal/app.

// waitFor bounds every wait of these tests.
const waitFor = 30 * time.Second

// recorder is a sink that records each payload it wrote, and can fail
// transiently (the first failN attempts) or reject what reject picks.
type recorder struct {
	mu      sync.Mutex
	written map[string]int
	tokens  map[string]string // payload → token it came with
	failN   int
	reject  func(Message) bool
}

func newRecorder() *recorder {
	return &recorder{written: map[string]int{}, tokens: map[string]string{}}
}

func (r *recorder) Ingest(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failN > 0 {
		r.failN--
		return errors.New("database unavailable")
	}
	if r.reject != nil && r.reject(m) {
		return &Rejected{Reason: "bad batch"}
	}
	r.written[string(m.Payload)]++
	r.tokens[string(m.Payload)] = m.Token
	return nil
}

func (r *recorder) count(payload string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written[payload]
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.written)
}

// refusals records the transport's audited refusals.
type refusals struct {
	mu   sync.Mutex
	list []Refusal
	fail bool
}

func (f *refusals) record(_ context.Context, r Refusal) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("audit trail unavailable")
	}
	f.list = append(f.list, r)
	return nil
}

func (f *refusals) all() []Refusal {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Refusal(nil), f.list...)
}

// tokenID reads the public id of a token shaped srn_<id>_<secret>.
func tokenID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, "srn_")
	id, _, ok2 := strings.Cut(rest, "_")
	return id, ok && ok2 && id != ""
}

// harness is one broker and the subscribers and gateways of a test.
type harness struct {
	t      *testing.T
	broker *mqtttest.Broker
	sink   *recorder
	refuse *refusals
}

const serenadeUser, serenadePass = "serenade", "s3cret-broker-pass"

func newHarness(t *testing.T) *harness {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{serenadeUser: serenadePass, "gw": "gw-pass"}})
	return &harness{t: t, broker: b, sink: newRecorder(), refuse: &refusals{}}
}

// subscriber starts a subscriber with client id id and returns it with
// its metrics' registry and a function that stops it (and waits).
func (h *harness) subscriber(id string, mutate func(*Config, *Options)) (*Subscriber, *prometheus.Registry, func()) {
	h.t.Helper()
	reg := prometheus.NewRegistry()
	cfg := Config{URL: h.broker.URL(), Username: serenadeUser, Password: serenadePass, ClientID: id, Workers: 4}
	opts := Options{Sink: h.sink, TokenID: tokenID, Refused: h.refuse.record, Metrics: NewMetrics(reg),
		Log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry:            func(int) time.Duration { return 20 * time.Millisecond },
		ReconnectBackoff: func(int) time.Duration { return 100 * time.Millisecond }}
	if mutate != nil {
		mutate(&cfg, &opts)
	}
	s, err := New(cfg, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("subscriber %s stopped with %v", id, err)
			}
		})
	}
	h.t.Cleanup(stop)
	return s, reg, stop
}

// eventually waits (bounded) for cond.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("not within %s: %s", waitFor, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) gateway(id string) *paho.Client {
	h.t.Helper()
	c, err := mqtttest.Dial(context.Background(), h.broker.Addr(), mqtttest.Gateway{ClientID: id, Username: "gw", Password: "gw-pass"})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = c.Disconnect(&paho.Disconnect{}) })
	return c
}

// publish sends payload with token to the topic of topicID.
func (h *harness) publish(c *paho.Client, topicID, token, payload string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	user := map[string]string{}
	if token != "" {
		user["authorization"] = "Bearer " + token
	}
	if err := mqtttest.Publish(ctx, c, Topic(DefaultPrefix, topicID), []byte(payload), user); err != nil {
		h.t.Fatal(err)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "serenade_mqtt_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no serenade_mqtt_messages_total{outcome=%q}", outcome)
	return 0
}

func gauge(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	n, err := testutil.GatherAndCount(reg, "serenade_mqtt_connected")
	if err != nil || n != 1 {
		t.Fatalf("serenade_mqtt_connected: %d series, %v", n, err)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "serenade_mqtt_connected" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// Every message published with the token its topic names is handed to
// the sink once and acknowledged; the token and payload arrive as sent.
func TestMessagesAreWrittenOnceAndAcknowledged(t *testing.T) {
	h := newHarness(t)
	s, reg, _ := h.subscriber("serenade-a", nil)
	h.eventually("connected", s.Connected)
	if g := gauge(t, reg); g != 1 {
		t.Fatalf("serenade_mqtt_connected = %v, want 1", g)
	}
	gw := h.gateway("gw-1")
	const n = 25
	for i := range n {
		h.publish(gw, "pubA", "srn_pubA_secret", fmt.Sprintf(`[{"stream":"s","time":%d,"value":1}]`, i))
	}
	h.eventually("all written", func() bool { return h.sink.total() == n })
	h.eventually("all counted", func() bool { return counter(t, reg, OutcomeStored) == n })
	for i := range n {
		p := fmt.Sprintf(`[{"stream":"s","time":%d,"value":1}]`, i)
		if c := h.sink.count(p); c != 1 {
			t.Errorf("message %d written %d times, want 1", i, c)
		}
		if tok := h.sink.tokens[p]; tok != "srn_pubA_secret" {
			t.Errorf("message %d came with token %q", i, tok)
		}
	}
}
