package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"serenade/internal/mqttingest"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/mqtttest"
)

// runMQTT publishes b.N batches with QoS 1 from ingestClients gateways
// through the benchmark's mosquitto, timed from the first publish until
// Serenade has stored every batch (the broker acknowledges the gateways
// before Serenade writes, so the figure is Serenade's rate), and reports
// and returns readings/s. The batches continue the HTTP run's times, so
// no reading is re-sent.
//
// The end is seen in Serenade's own counter of messages stored (a
// message is counted once its readings are durable, before it is
// acknowledged), read in-process: counting the readings in the database
// while the clock runs would scan the installation's growing table over
// and over (all of the COPY and HTTP runs' rows as well), taking a
// database core from the writes being measured. The rows are counted
// once, after the clock stopped, to check that every reading is there.
func (ib *ingestBench) runMQTT(b *testing.B) float64 {
	before := readings(b, ib.s, ib.installation)
	stored0, _ := mqttOutcomes(b, ib.s)
	batches := make([][]byte, b.N)
	for i := range batches {
		batches[i] = ib.batch(ib.batches.Add(1) - 1)
	}
	user := map[string]string{"authorization": "Bearer " + ib.token}
	topic := mqttingest.Topic(mqttingest.DefaultPrefix, ib.publicID)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := range ingestClients {
		wg.Go(func() {
			c, err := mqtttest.Dial(context.Background(), ib.broker.Addr(), mqtttest.Gateway{ClientID: fmt.Sprint("gw-", g)})
			if err != nil {
				b.Error(err)
				return
			}
			defer func() { _ = c.Disconnect(&paho.Disconnect{}) }()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				if err := mqtttest.Publish(context.Background(), c, topic, batches[i], user); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	ib.awaitStored(b, stored0+b.N)
	b.StopTimer()
	rate := float64(b.N*batchSize) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "readings/s")
	if n := readings(b, ib.s, ib.installation); n != before+b.N*batchSize {
		b.Fatalf("%d readings stored by the MQTT run, want %d", n-before, b.N*batchSize)
	}
	return rate
}

// awaitStored waits until Serenade counts want MQTT messages stored; it
// fails at once on a rejected message, and once a minute passes without
// one more stored. It looks every 20 ms: gathering the registry takes
// about half a millisecond of CPU, which the run must not pay more often
// (the last batch is seen at most 20 ms late, under 1 % of a run of 400).
func (ib *ingestBench) awaitStored(b *testing.B, want int) {
	last, progress := 0, time.Now()
	for n, rejected := mqttOutcomes(b, ib.s); n < want; n, rejected = mqttOutcomes(b, ib.s) {
		switch {
		case rejected > 0:
			b.Fatalf("%d MQTT messages rejected", rejected)
		case n > last:
			last, progress = n, time.Now()
		case time.Since(progress) > time.Minute:
			b.Fatalf("%d of %d messages stored, none for a minute", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mqttOutcomes reads serenade_mqtt_messages_total: messages stored and
// rejected so far.
func mqttOutcomes(b *testing.B, s *apptest.Server) (stored, rejected int) {
	mfs, err := s.App.Telemetry().Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "serenade_mqtt_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "outcome" {
					continue
				}
				switch l.GetValue() {
				case mqttingest.OutcomeStored:
					stored = int(m.GetCounter().GetValue())
				case mqttingest.OutcomeRejected:
					rejected = int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return stored, rejected
}
