package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"serenade/internal/app"
	"serenade/internal/mqttingest"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/mqtttest"
)

// BenchmarkIngestMQTT: batches of batchSize readings published with QoS 1
// by ingestClients gateways through a real mosquitto into one Serenade on
// PostgreSQL, timed from the first publish until every batch is stored
// (the broker acknowledges the gateways before Serenade writes, so the
// figure is Serenade's rate). make bench prints it beside HTTP ingest and
// raw COPY (BenchmarkIngest). Run with -benchtime Nx, N up to a few
// hundred: the readings' times must stay within 5 minutes ahead.
func BenchmarkIngestMQTT(b *testing.B) {
	broker := mqtttest.Start(b, mqtttest.Options{})
	s := apptest.Start(b, apptest.Options{Backend: "postgres", Edit: func(c *app.Config) {
		c.MQTT = app.MQTTConfig{URL: broker.URL(), ClientID: "serenade-bench"}
		c.Sensors.IngestMaxInFlight = ingestClients
	}})
	for !strings.Contains(string(s.Do(b, http.MethodGet, "/readyz", "", nil).Body), "mqtt: connected") {
		time.Sleep(20 * time.Millisecond)
	}
	h := collectingHome(b, s, "Bianchi")
	batch := func(i int64) []byte {
		var sb strings.Builder
		sb.WriteByte('[')
		for j := range batchSize {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"stream":"bench.s%d.power","time":%d,"value":%d}`, i%benchStreams, h.start.UnixMilli()+(i/benchStreams)*batchSize+int64(j), j%97)
		}
		sb.WriteByte(']')
		return []byte(sb.String())
	}
	batches := make([][]byte, b.N)
	for i := range batches {
		batches[i] = batch(int64(i))
	}
	user := map[string]string{"authorization": "Bearer " + h.token}
	topic := mqttingest.Topic(mqttingest.DefaultPrefix, h.publicID)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := range ingestClients {
		wg.Go(func() {
			c, err := mqtttest.Dial(context.Background(), broker.Addr(), mqtttest.Gateway{ClientID: fmt.Sprint("gw-", g)})
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
	for want := b.N * batchSize; readings(b, s, h.installation) < want; {
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "readings/s")
}
