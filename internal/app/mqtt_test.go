package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/mqttingest"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/cftest"
	"serenade/internal/testsupport/mqtttest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/syncbuf"
)

// End-to-end MQTT ingest: a real mosquitto, real Serenade servers on
// both backends, the real ingest service, and gateways publishing with
// paho.

const mqttWait = 60 * time.Second

var backends = []string{"sqlite", "postgres"}

// mqttBroker starts a broker that knows Serenade's and the gateways'
// credentials.
func mqttBroker(t *testing.T) *mqtttest.Broker {
	return mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"serenade": "broker-pass", "gw": "gw-pass"}})
}

// startWithMQTT starts a server on backend subscribed to b as clientID,
// with its credentials in a file, and waits until /readyz says it is
// connected.
func startWithMQTT(t *testing.T, backend string, b *mqtttest.Broker, clientID string, edit func(*app.Config)) *apptest.Server {
	t.Helper()
	return startWith(t, apptest.Options{Backend: backend, Edit: edit}, b, clientID)
}

// startWith is startWithMQTT with every option of apptest.
func startWith(t *testing.T, o apptest.Options, b *mqtttest.Broker, clientID string) *apptest.Server {
	t.Helper()
	creds := filepath.Join(t.TempDir(), "mqtt-credentials")
	if err := os.WriteFile(creds, []byte("serenade\nbroker-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	edit := o.Edit
	o.Edit = func(c *app.Config) {
		c.MQTT = app.MQTTConfig{URL: b.URL(), CredentialsFile: creds, ClientID: clientID}
		if edit != nil {
			edit(c)
		}
	}
	s := apptest.Start(t, o)
	waitReadyzLine(t, s, "mqtt: connected")
	return s
}

// waitReadyzLine waits until /readyz answers 200 with line among its lines.
func waitReadyzLine(t *testing.T, s *apptest.Server, line string) {
	t.Helper()
	eventually(t, "/readyz shows "+line, func() bool {
		res := s.Do(t, http.MethodGet, "/readyz", "", nil)
		return res.Status == http.StatusOK && strings.Contains(string(res.Body), "\n"+line)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(mqttWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", mqttWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// home is a collecting installation with an ingest token.
type home struct {
	installation int64
	token        string
	publicID     string
	start        time.Time // collection start
}

// collectingHome enrols a patient named surname, closes the installation
// ticket (collection starts) and provisions an ingest token.
func collectingHome(t testing.TB, s *apptest.Server, surname string) home {
	t.Helper()
	np := storetest.Mario()
	np.Identity.LastName = surname
	np.Identity.CodiceFiscale = cftest.Rename(t, "RSSMRA45T10A562I", surname, "Mario")
	study := s.App.Study()
	p := storetest.Must[domain.Patient](t)(study.Enrol(storetest.Doctor(), np))
	inst := storetest.Must[domain.Installation](t)(study.InstallationOfPatient(storetest.Doctor(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(study.Tickets(storetest.Installer(), inst.ID))
	storetest.Must[domain.Ticket](t)(study.CloseTicket(storetest.Installer(), tickets[0].ID))
	tok := storetest.Must[ingest.Provisioned](t)(s.App.Ingest().Provision(storetest.Installer(), inst.ID))
	return home{installation: inst.ID, token: tok.Token, publicID: tok.PublicID, start: time.Now()}
}

// gateway connects a publisher.
func gateway(t *testing.T, b *mqtttest.Broker, id string) *paho.Client {
	t.Helper()
	c, err := mqtttest.Dial(context.Background(), b.Addr(), mqtttest.Gateway{ClientID: id, Username: "gw", Password: "gw-pass"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(&paho.Disconnect{}) })
	return c
}

// publish sends payload with token to the topic of topicID.
func publish(t *testing.T, c *paho.Client, topicID, token string, payload []byte, extra map[string]string) {
	t.Helper()
	user := map[string]string{"authorization": "Bearer " + token}
	for k, v := range extra {
		user[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), mqttWait)
	defer cancel()
	if err := mqtttest.Publish(ctx, c, mqttingest.Topic(mqttingest.DefaultPrefix, topicID), payload, user); err != nil {
		t.Fatal(err)
	}
}

// count runs a count(*) query on the server's database.
func count(t testing.TB, s *apptest.Server, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Raw(t).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// readings counts an installation's stored readings.
func readings(t testing.TB, s *apptest.Server, installation int64) int {
	return count(t, s, `SELECT count(*) FROM readings r JOIN streams s ON s.id = r.stream_id WHERE s.installation_id = $1`, installation)
}

// dayRollupCount is the readings the one-day rollups of an installation
// hold: equal to the raw count when nothing was counted twice.
func dayRollupCount(t *testing.T, s *apptest.Server, installation int64) int {
	return count(t, s, `SELECT COALESCE(SUM(u.n), 0) FROM rollups u JOIN streams s ON s.id = u.stream_id WHERE s.installation_id = $1 AND u.tier = 86400`, installation)
}

// mqttEntries lists the audit entries of MQTT batches.
func mqttEntries(t *testing.T, s *apptest.Server) []audit.Entry {
	t.Helper()
	all, err := s.App.Store().QueryAudit(context.Background(), audit.Filter{Action: ingest.Action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, e := range all {
		if e.Operation == "mqtt-ingest-readings" {
			out = append(out, e)
		}
	}
	return out
}

// stored counts the entries of batches that were stored.
func stored(entries []audit.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Status == http.StatusOK {
			n++
		}
	}
	return n
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Batches published over MQTT (a JSON array, NDJSON, gzip) are stored
// once each, a re-sent batch changes nothing, every batch is audited,
// and /readyz and /metrics show the connection.
func TestMQTTIngestStoresReadingsOnce(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			b := mqttBroker(t)
			s := startWithMQTT(t, backend, b, "serenade-1", nil)
			h := collectingHome(t, s, "Bianchi")
			gw := gateway(t, b, "gw-1")
			at := h.start.UnixMilli()
			array := fmt.Sprintf(`[{"stream":"kitchen.motion","time":%d,"value":true},{"stream":"tv.plug.power","time":%d,"value":41.5}]`, at+1, at+2)
			ndjson := fmt.Sprintf("{\"stream\":\"kitchen.motion\",\"time\":%d,\"value\":false}\n{\"stream\":\"kitchen.motion\",\"time\":%d,\"value\":true}\n", at+3, at+4)
			zipped := fmt.Sprintf(`[{"stream":"fridge.door","time":%d,"value":1}]`, at+5)
			publish(t, gw, h.publicID, h.token, []byte(array), nil)
			publish(t, gw, h.publicID, h.token, []byte(ndjson), map[string]string{})
			publish(t, gw, h.publicID, h.token, gzipped(t, zipped), map[string]string{"content-encoding": "gzip"})
			publish(t, gw, h.publicID, h.token, []byte(array), nil) // a gateway's re-send
			eventually(t, "four batches audited as stored", func() bool { return stored(mqttEntries(t, s)) == 4 })
			if n := readings(t, s, h.installation); n != 5 {
				t.Fatalf("%d readings stored, want 5", n)
			}
			if n := dayRollupCount(t, s, h.installation); n != 5 {
				t.Fatalf("day rollups count %d readings, want 5", n)
			}
			for _, e := range mqttEntries(t, s) {
				// Besides the four stored, only attempts that failed for now
				// (two batches creating one stream at once) and were retried.
				if (e.Status != http.StatusOK && e.Status < 500) || e.ActorSubject != "ingest-token:"+h.publicID {
					t.Errorf("audit entry %+v", e)
				}
			}
			metrics := string(s.Do(t, http.MethodGet, "/metrics", "", nil).Body)
			for _, want := range []string{"serenade_mqtt_connected 1", `serenade_mqtt_messages_total{outcome="stored"} 4`} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}
		})
	}
}

// A token of installation A can never write installation B's streams
// over MQTT: A's token on B's topic is refused (403 in the trail), as
// are unknown, revoked and missing tokens (401); nothing is written, and
// the refused messages are acknowledged, not redelivered.
func TestMQTTTokenOfAnotherInstallationIsRefused(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			b := mqttBroker(t)
			s := startWithMQTT(t, backend, b, "serenade-1", nil)
			a, bHome := collectingHome(t, s, "Bianchi"), collectingHome(t, s, "Verdi")
			revoked := storetest.Must[ingest.Provisioned](t)(s.App.Ingest().Provision(storetest.Installer(), bHome.installation))
			storetest.Must[any](t)(revokeToken(s, bHome.installation, revoked.ID))
			gw := gateway(t, b, "gw-a")
			batch := []byte(fmt.Sprintf(`[{"stream":"kitchen.motion","time":%d,"value":true}]`, bHome.start.UnixMilli()+1))
			cases := []struct {
				topicID, token string
				status         int
			}{
				{bHome.publicID, a.token, http.StatusForbidden},                                            // A's token, B's topic
				{a.publicID, "srn_" + a.publicID + "_" + strings.Repeat("0", 64), http.StatusUnauthorized}, // wrong secret
				{revoked.PublicID, revoked.Token, http.StatusUnauthorized},                                 // revoked
				{a.publicID, "", http.StatusUnauthorized},                                                  // no token
			}
			for i, c := range cases {
				if c.token == "" {
					ctx, cancel := context.WithTimeout(context.Background(), mqttWait)
					if err := mqtttest.Publish(ctx, gw, mqttingest.Topic(mqttingest.DefaultPrefix, c.topicID), batch, nil); err != nil {
						t.Fatal(err)
					}
					cancel()
				} else {
					publish(t, gw, c.topicID, c.token, batch, nil)
				}
				eventually(t, fmt.Sprintf("case %d audited", i), func() bool { return len(mqttEntries(t, s)) == i+1 })
				if got := mqttEntries(t, s)[i].Status; got != c.status {
					t.Errorf("case %d: audited status %d, want %d", i, got, c.status)
				}
			}
			if na, nb := readings(t, s, a.installation), readings(t, s, bHome.installation); na != 0 || nb != 0 {
				t.Fatalf("readings written: A %d, B %d", na, nb)
			}
			metrics := string(s.Do(t, http.MethodGet, "/metrics", "", nil).Body)
			if want := fmt.Sprintf(`serenade_mqtt_messages_total{outcome="rejected"} %d`, len(cases)); !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
			// B's own token on B's topic works: the refusals were about the token.
			publish(t, gw, bHome.publicID, bHome.token, batch, nil)
			eventually(t, "B's batch stored", func() bool { return readings(t, s, bHome.installation) == 1 })
		})
	}
}

// revokeToken revokes an ingest token through the service.
func revokeToken(s *apptest.Server, installation, tokenID int64) (any, error) {
	return s.App.Ingest().Revoke(storetest.Installer(), installation, tokenID)
}

// The broker restarts twice while a gateway publishes one reading per
// message: Serenade reconnects, and every message the broker
// acknowledged is stored exactly once (readings and rollups), with an
// intact audit chain.
func TestMQTTBrokerRestartLosesNoAcknowledgedReading(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			b := mqttBroker(t)
			s := startWithMQTT(t, backend, b, "serenade-1", nil)
			h := collectingHome(t, s, "Bianchi")
			const n = 200
			progress := make(chan struct{}, n)
			var acked []int
			var sent sync.WaitGroup
			sent.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*mqttWait)
				defer cancel()
				acked, _ = mqtttest.PublishAll(ctx, b.Addr(), mqtttest.Gateway{ClientID: "gw-1", Username: "gw", Password: "gw-pass"}, mqtttest.Stream{
					N: n, Topic: func(int) string { return mqttingest.Topic(mqttingest.DefaultPrefix, h.publicID) },
					Payload: func(i int) []byte {
						progress <- struct{}{}
						return fmt.Appendf(nil, `[{"stream":"tv.plug.power","time":%d,"value":%d}]`, h.start.UnixMilli()+int64(i), i)
					},
					User: map[string]string{"authorization": "Bearer " + h.token}, Pause: 2 * time.Millisecond,
				})
			})
			for range 2 {
				for range n / 3 {
					<-progress
				}
				b.Restart()
			}
			sent.Wait()
			if len(acked) != n {
				t.Fatalf("%d of %d messages acknowledged by the broker", len(acked), n)
			}
			eventually(t, "every acknowledged reading stored", func() bool { return readings(t, s, h.installation) == n })
			if r := dayRollupCount(t, s, h.installation); r != n {
				t.Fatalf("day rollups count %d readings, want %d", r, n)
			}
			if _, err := s.App.Store().VerifyAudit(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Two replicas on one database share the messages through the shared
// subscription: each message is handled by exactly one of them.
func TestMQTTReplicasShareMessages(t *testing.T) {
	t.Parallel()
	b := mqttBroker(t)
	first := startWithMQTT(t, "postgres", b, "serenade-1", nil)
	second := startWithMQTT(t, "postgres", b, "serenade-2", func(c *app.Config) {
		c.DatabaseURL = first.Config.DatabaseURL
		c.MasterKeyFile = filepath.Join(first.Config.DataDir, "master.key")
	})
	h := collectingHome(t, first, "Bianchi")
	gw := gateway(t, b, "gw-1")
	const n = 60
	for i := range n {
		publish(t, gw, h.publicID, h.token, fmt.Appendf(nil, `[{"stream":"s","time":%d,"value":%d}]`, h.start.UnixMilli()+int64(i), i), nil)
	}
	eventually(t, "all stored", func() bool { return readings(t, first, h.installation) == n })
	handled := func(s *apptest.Server) int {
		var v int
		for _, line := range strings.Split(string(s.Do(t, http.MethodGet, "/metrics", "", nil).Body), "\n") {
			if rest, ok := strings.CutPrefix(line, `serenade_mqtt_messages_total{outcome="stored"} `); ok {
				_, _ = fmt.Sscan(rest, &v)
			}
		}
		return v
	}
	eventually(t, "each message handled once", func() bool { return handled(first)+handled(second) == n })
	time.Sleep(200 * time.Millisecond) // a second delivery would be counted by now
	a, c := handled(first), handled(second)
	if a+c != n || a == 0 || c == 0 {
		t.Fatalf("replicas stored %d and %d messages, want %d in all, shared", a, c, n)
	}
	if ok := stored(mqttEntries(t, first)); ok != n { // other entries are attempts that failed for now, retried
		t.Fatalf("%d MQTT batches audited as stored, want %d", ok, n)
	}
}

// With the broker down Serenade stays ready (HTTP and HTTP ingest work)
// and says so in /readyz and /metrics; it reconnects when the broker is
// back.
func TestMQTTBrokerDownShowsInReadyzAndMetrics(t *testing.T) {
	t.Parallel()
	b := mqttBroker(t)
	s := startWithMQTT(t, "sqlite", b, "serenade-1", nil)
	b.Stop()
	waitReadyzLine(t, s, "mqtt: disconnected")
	if m := string(s.Do(t, http.MethodGet, "/metrics", "", nil).Body); !strings.Contains(m, "serenade_mqtt_connected 0") {
		t.Fatal("/metrics does not show the disconnection")
	}
	b.Restart()
	waitReadyzLine(t, s, "mqtt: connected")
}

// On shutdown the MQTT subscriber stops with the intake, before the
// audit writer and the store it writes through; what it acknowledged is
// stored and audited, and the chain verifies.
func TestMQTTSubscriberStopsWithTheIntake(t *testing.T) {
	t.Parallel()
	b := mqttBroker(t)
	logs := &syncbuf.Buffer{}
	s2 := startWith(t, apptest.Options{Log: slog.New(slog.NewJSONHandler(logs, nil))}, b, "serenade-1")
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	order := stopOrder(t, logs)
	at := func(name string) int { return slices.Index(order, name) }
	if at("mqtt subscriber") < 0 || at("mqtt subscriber") > at("audit writer") || at("audit writer") > at("store") {
		t.Fatalf("runners stopped in the order %v: the MQTT subscriber must stop before the audit writer and the store", order)
	}
	for _, stage := range []string{"key watch", "partition upkeep"} {
		if at(stage) >= 0 && at("mqtt subscriber") > at(stage) {
			t.Fatalf("runners stopped in the order %v: the MQTT subscriber is intake", order)
		}
	}
}
