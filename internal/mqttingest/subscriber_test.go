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
	mu       sync.Mutex
	written  map[string]int
	attempts map[string]int    // payload → times the sink was called with it
	tokens   map[string]string // payload → token it came with
	topics   map[string]string // payload → public id its topic named
	encoding map[string]string // payload → its content-encoding
	failN    int
	reject   func(Message) bool
}

func newRecorder() *recorder {
	return &recorder{written: map[string]int{}, attempts: map[string]int{}, tokens: map[string]string{}, topics: map[string]string{}, encoding: map[string]string{}}
}

func (r *recorder) Ingest(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[string(m.Payload)]++
	if r.failN > 0 {
		r.failN--
		return errors.New("database unavailable")
	}
	if r.reject != nil && r.reject(m) {
		return &Rejected{Reason: "bad batch"}
	}
	r.written[string(m.Payload)]++
	r.tokens[string(m.Payload)] = m.Token
	r.topics[string(m.Payload)] = m.TopicID
	r.encoding[string(m.Payload)] = m.Encoding
	return nil
}

func (r *recorder) count(payload string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written[payload]
}

func (r *recorder) tried(payload string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[payload]
}

func (r *recorder) setFail(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failN = n
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

// connected reports whether s says it is connected and subscribed.
func connected(s *Subscriber) bool { return s.Detail() == "mqtt: connected" }

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
	opts := Options{Sink: h.sink, Refused: h.refuse.record, Metrics: NewMetrics(reg),
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
	user := map[string]string{}
	if token != "" {
		user["authorization"] = "Bearer " + token
	}
	h.publishWith(c, topicID, payload, user)
}

// publishWith sends payload with the given user properties.
func (h *harness) publishWith(c *paho.Client, topicID, payload string, user map[string]string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
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
	h.eventually("connected", func() bool { return connected(s) })
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
		if tok, id := h.sink.tokens[p], h.sink.topics[p]; tok != "srn_pubA_secret" || id != "pubA" {
			t.Errorf("message %d came with token %q on the topic of %q", i, tok, id)
		}
	}
}

// A message that carries no bearer token, or an encoding Serenade does
// not read, never reaches the sink: it is audited as refused,
// acknowledged and dropped, and not redelivered to the session after a
// restart. (A token that is not the one its topic names is the ingest
// service's refusal: see the end-to-end tests in internal/app.)
func TestMissingTokenOrEncodingIsRefusedAuditedAndDropped(t *testing.T) {
	h := newHarness(t)
	s, reg, stop := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	gw := h.gateway("gw-a")
	cases := []struct {
		topicID string
		user    map[string]string
		want    Refusal
	}{
		{"pubA", map[string]string{}, Refusal{Reason: ReasonNoToken}},
		{"pubB", map[string]string{"authorization": "Bearer "}, Refusal{Reason: ReasonNoToken}},
		{"pubA", map[string]string{"authorization": "Basic srn_pubA_secret"}, Refusal{Reason: ReasonNoToken}},
		{"pubA", map[string]string{"authorization": "Bearer srn_pubA_secret", "content-encoding": "br"}, Refusal{Reason: ReasonEncoding}},
	}
	for i, c := range cases { // one at a time: workers run in parallel
		h.publishWith(gw, c.topicID, fmt.Sprintf("refused-%d", i), c.user)
		h.eventually("refused", func() bool { return len(h.refuse.all()) == i+1 })
	}
	for i, c := range cases {
		if got := h.refuse.all()[i]; got != c.want {
			t.Errorf("case %d: refusal %+v, want %+v", i, got, c.want)
		}
		if n := h.sink.tried(fmt.Sprintf("refused-%d", i)); n != 0 {
			t.Errorf("case %d reached the sink %d times", i, n)
		}
	}
	h.eventually("counted", func() bool { return counter(t, reg, OutcomeRejected) == float64(len(cases)) })
	stop()
	s2, _, _ := h.subscriber("serenade-a", nil)
	h.eventually("reconnected", func() bool { return connected(s2) })
	h.publish(gw, "pubA", "srn_pubA_secret", "after")
	h.eventually("later message written", func() bool { return h.sink.count("after") == 1 })
	if n := len(h.refuse.all()); n != len(cases) {
		t.Fatalf("%d refusals after the restart, want %d: a refused message was redelivered", n, len(cases))
	}
}

// A refusal that cannot be audited is not acknowledged (fail closed): it
// is retried until the audit trail takes it.
func TestRefusalThatCannotBeAuditedIsNotAcknowledged(t *testing.T) {
	h := newHarness(t)
	h.refuse.fail = true
	s, reg, _ := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	h.publish(h.gateway("gw-a"), "pubB", "", "x")
	h.eventually("retried", func() bool { return counter(t, reg, OutcomeRetried) >= 2 })
	if r := counter(t, reg, OutcomeRejected); r != 0 {
		t.Fatalf("rejected (acknowledged) %v times while the audit failed", r)
	}
	h.refuse.mu.Lock()
	h.refuse.fail = false
	h.refuse.mu.Unlock()
	h.eventually("audited and rejected", func() bool { return counter(t, reg, OutcomeRejected) == 1 })
	if got := h.refuse.all(); len(got) != 1 || got[0].Reason != ReasonNoToken {
		t.Fatalf("refusals %+v", got)
	}
}

// A transient failure (the database is down) leaves the message
// unacknowledged and retried until written, once.
func TestTransientFailureIsRetriedUntilWritten(t *testing.T) {
	h := newHarness(t)
	h.sink.setFail(3)
	s, reg, _ := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	h.publish(h.gateway("gw-a"), "pubA", "srn_pubA_secret", "m")
	h.eventually("written", func() bool { return h.sink.count("m") == 1 })
	if r := counter(t, reg, OutcomeRetried); r != 3 {
		t.Fatalf("retried %v times, want 3", r)
	}
	if n := h.sink.tried("m"); n != 4 {
		t.Fatalf("sink called %d times, want 4", n)
	}
}

// A message that could not be written before Serenade stopped was not
// acknowledged: the broker keeps it in the session and hands it to the
// next process with the same client id, which writes it.
func TestUnwrittenMessageIsRedeliveredAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.sink.setFail(1 << 30)
	s, reg, stop := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	gw := h.gateway("gw-a")
	h.publish(gw, "pubA", "srn_pubA_secret", "m")
	h.eventually("tried", func() bool { return counter(t, reg, OutcomeRetried) >= 1 })
	stop()
	h.publish(gw, "pubA", "srn_pubA_secret", "while-down") // queued for the session
	h.sink.setFail(0)
	s2, _, _ := h.subscriber("serenade-a", nil)
	h.eventually("reconnected", func() bool { return connected(s2) })
	h.eventually("both written", func() bool { return h.sink.count("m") == 1 && h.sink.count("while-down") == 1 })
}

// A message the sink rejects is acknowledged: it is not redelivered.
func TestRejectedMessageIsAcknowledged(t *testing.T) {
	h := newHarness(t)
	h.sink.reject = func(m Message) bool { return string(m.Payload) == "bad" }
	s, reg, stop := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	gw := h.gateway("gw-a")
	h.publish(gw, "pubA", "srn_pubA_secret", "bad")
	h.eventually("rejected", func() bool { return counter(t, reg, OutcomeRejected) == 1 })
	stop()
	s2, _, _ := h.subscriber("serenade-a", nil)
	h.eventually("reconnected", func() bool { return connected(s2) })
	h.publish(gw, "pubA", "srn_pubA_secret", "good")
	h.eventually("written", func() bool { return h.sink.count("good") == 1 })
	if n := h.sink.tried("bad"); n != 1 {
		t.Fatalf("rejected message handed to the sink %d times, want 1", n)
	}
}

// Two replicas in one share group: every message is handled by exactly
// one of them, and both take a share.
func TestSharedSubscriptionHandsEachMessageToOneReplica(t *testing.T) {
	h := newHarness(t)
	sinkB := newRecorder()
	a, _, _ := h.subscriber("serenade-a", nil)
	b, _, _ := h.subscriber("serenade-b", func(_ *Config, o *Options) { o.Sink = sinkB })
	h.eventually("connected", func() bool { return connected(a) && connected(b) })
	gw := h.gateway("gw-a")
	const n = 40
	for i := range n {
		h.publish(gw, "pubA", "srn_pubA_secret", fmt.Sprint(i))
	}
	h.eventually("all written", func() bool { return h.sink.total()+sinkB.total() == n })
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive by now
	for i := range n {
		if c := h.sink.count(fmt.Sprint(i)) + sinkB.count(fmt.Sprint(i)); c != 1 {
			t.Errorf("message %d handled %d times", i, c)
		}
	}
	if h.sink.total() == 0 || sinkB.total() == 0 {
		t.Errorf("shares %d and %d: one replica got nothing", h.sink.total(), sinkB.total())
	}
}

// Refused credentials: Serenade stays disconnected, says so in its
// readiness detail and metrics, and keeps trying with backoff.
func TestRefusedCredentialsShowAsDisconnected(t *testing.T) {
	h := newHarness(t)
	s, reg, _ := h.subscriber("serenade-a", func(c *Config, _ *Options) { c.Password = "wrong" })
	h.eventually("several attempts", func() bool {
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == "serenade_mqtt_connect_attempts_total" {
				for _, m := range mf.GetMetric() {
					if m.GetLabel()[0].GetValue() == "failed" && m.GetCounter().GetValue() >= 2 {
						return true
					}
				}
			}
		}
		return false
	})
	if connected(s) || gauge(t, reg) != 0 || !strings.HasPrefix(s.Detail(), "mqtt: disconnected") {
		t.Fatalf("connected=%v gauge=%v detail=%q", connected(s), gauge(t, reg), s.Detail())
	}
}

// gzip batches are announced with the content-encoding user property
// and handed to the sink as such (it decompresses with its bounds).
func TestContentEncodingIsPassedOn(t *testing.T) {
	h := newHarness(t)
	s, _, _ := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	h.publishWith(h.gateway("gw-a"), "pubA", "zipped", map[string]string{"authorization": "Bearer srn_pubA_secret", "content-encoding": "GZIP"})
	h.eventually("written", func() bool { return h.sink.count("zipped") == 1 })
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	if e := h.sink.encoding["zipped"]; e != "gzip" {
		t.Fatalf("encoding %q, want gzip", e)
	}
}

// The broker restarts twice while a gateway publishes: Serenade
// reconnects by itself, and every message the broker acknowledged to
// the gateway (PUBACK 0x00) reaches the sink. The gateway re-sends what
// was not acknowledged so, as the MQTT contract asks (docs/api.md).
func TestBrokerRestartLosesNoAcknowledgedMessage(t *testing.T) {
	h := newHarness(t)
	s, reg, _ := h.subscriber("serenade-a", nil)
	h.eventually("connected", func() bool { return connected(s) })
	const n = 300
	var sent sync.WaitGroup
	var acked []int
	var resends int
	progress := make(chan struct{}, n)
	sent.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
		defer cancel()
		acked, resends = mqtttest.PublishAll(ctx, h.broker.Addr(), mqtttest.Gateway{ClientID: "gw-a", Username: "gw", Password: "gw-pass"}, mqtttest.Stream{
			N: n, Topic: func(int) string { return Topic(DefaultPrefix, "pubA") },
			Payload: func(i int) []byte { progress <- struct{}{}; return []byte(fmt.Sprint(i)) },
			User:    map[string]string{"authorization": "Bearer srn_pubA_secret"}, Pause: 2 * time.Millisecond,
		})
	})
	for restart := 1; restart <= 2; restart++ {
		for range n / 3 {
			<-progress
		}
		h.broker.Restart()
	}
	sent.Wait()
	if len(acked) != n {
		t.Fatalf("%d of %d messages acknowledged by the broker", len(acked), n)
	}
	h.eventually("every acknowledged message written", func() bool {
		for _, i := range acked {
			if h.sink.count(fmt.Sprint(i)) == 0 {
				return false
			}
		}
		return true
	})
	ups := 0.0
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "serenade_mqtt_connect_attempts_total" {
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == "up" {
					ups = m.GetCounter().GetValue()
				}
			}
		}
	}
	if ups < 3 {
		t.Fatalf("%v connections, want at least 3 (two reconnections)", ups)
	}
	if h.sink.total() != n {
		t.Fatalf("%d distinct messages written, want %d", h.sink.total(), n)
	}
	t.Logf("%d messages acknowledged by the broker after %d resends", n, resends)
}
