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
	"serenade/internal/testsupport/mqtttest"
)

// runMQTT publishes b.N batches with QoS 1 from ingestClients gateways
// through the benchmark's mosquitto, timed from the first publish until
// every batch is stored (the broker acknowledges the gateways before
// Serenade writes, so the figure is Serenade's rate), and reports and
// returns readings/s. The batches continue the HTTP run's times, so no
// reading is re-sent.
func (ib *ingestBench) runMQTT(b *testing.B) float64 {
	before := readings(b, ib.s, ib.installation)
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
	ib.awaitReadings(b, before+b.N*batchSize)
	b.StopTimer()
	rate := float64(b.N*batchSize) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "readings/s")
	return rate
}

// awaitReadings waits until the installation holds want readings; it
// gives up (failing) once a minute passes without one more stored.
func (ib *ingestBench) awaitReadings(b *testing.B, want int) {
	last, progress := 0, time.Now()
	for n := readings(b, ib.s, ib.installation); n < want; n = readings(b, ib.s, ib.installation) {
		if n > last {
			last, progress = n, time.Now()
		} else if time.Since(progress) > time.Minute {
			b.Fatalf("%d of %d readings stored, none for a minute", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
