package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"serenade/internal/api"
	"serenade/internal/app"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/mqtttest"
	"serenade/internal/testsupport/storetest"
)

// Ingest benchmark: batches of 1,000 readings from ingestClients
// concurrent gateways into PostgreSQL, over HTTP (token check, parse,
// judge, one transaction with the rollups, audit) and through a real
// mosquitto over MQTT (QoS 1, the same path behind the broker), against
// raw COPY of the same rows into the same table from as many
// connections, all three on one server and database in one run. Each
// transport reports its readings/s and its ratio to the COPY measured
// just before (copy-ratio); make bench prints both.
const (
	ingestClients = 8
	batchSize     = 1000
	benchStreams  = 10
)

// ingestBench is the server, its home and where the next batch's times
// start (shared by every run of the sub-benchmarks, so that no run
// re-sends another's readings).
type ingestBench struct {
	s            *apptest.Server
	broker       *mqtttest.Broker
	token        string
	publicID     string
	installation int64
	copyTo       int64 // the stream raw COPY writes
	base         time.Time
	batches      atomic.Int64
	copyRuns     atomic.Int64
	copyRate     float64 // readings/s of the last COPY run
}

// BenchmarkIngest reports readings/s of raw COPY, HTTP ingest and MQTT
// ingest, and the ratio of each transport to COPY.
func BenchmarkIngest(b *testing.B) {
	ib := startIngestBench(b)
	b.Run("copy", func(b *testing.B) {
		conns := make(chan *pgx.Conn, ingestClients)
		for range ingestClients {
			c, err := pgx.Connect(context.Background(), ib.s.Config.DatabaseURL)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(context.Background())
			conns <- c
		}
		ib.copyRate = runClients(b, func(int64) {
			c := <-conns
			defer func() { conns <- c }()
			i := ib.copyRuns.Add(1) - 1
			rows := make([][]any, batchSize)
			for j := range rows {
				rows[j] = []any{ib.copyTo, ib.atMs(i, j), float64(j % 97)} // one stream: block i
			}
			if _, err := c.CopyFrom(context.Background(), pgx.Identifier{"readings"}, []string{"stream_id", "at_ms", "value"}, pgx.CopyFromRows(rows)); err != nil {
				b.Error(err)
			}
		})
	})
	b.Run("http", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ingestClients}}
		ib.reportRatio(b, runClients(b, func(int64) {
			i := ib.batches.Add(1) - 1
			req, _ := http.NewRequest(http.MethodPost, ib.s.URL+api.IngestPath, bytes.NewReader(ib.batch(i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+ib.token)
			res, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			if err != nil || res.StatusCode != http.StatusOK {
				b.Errorf("batch %d: %v %v", i, err, res)
			}
		}))
	})
	b.Run("mqtt", func(b *testing.B) { ib.reportRatio(b, ib.runMQTT(b)) })
}

// reportRatio reports a transport's readings/s as a share of COPY's.
func (ib *ingestBench) reportRatio(b *testing.B, rate float64) {
	if ib.copyRate > 0 {
		b.ReportMetric(rate/ib.copyRate, "copy-ratio")
	}
}

func startIngestBench(b *testing.B) *ingestBench {
	var offset atomic.Int64
	base := time.Now().UTC().Truncate(time.Hour).AddDate(0, 0, -40)
	broker := mqtttest.Start(b, mqtttest.Options{})
	s := apptest.Start(b, apptest.Options{Backend: "postgres", Edit: func(c *app.Config) {
		c.StoreClock = func() time.Time { return base.Add(time.Duration(offset.Load())) }
		c.Sensors.IngestMaxInFlight = ingestClients
		c.MQTT = app.MQTTConfig{URL: broker.URL(), ClientID: "serenade-bench"}
	}})
	ctx := storetest.Doctor()
	st := s.App.Study()
	p := storetest.Must[domain.Patient](b)(st.Enrol(ctx, storetest.Patient(b, 1)))
	inst := storetest.Must[domain.Installation](b)(st.InstallationOfPatient(ctx, p.ID))
	tickets := storetest.Must[[]domain.Ticket](b)(st.Tickets(ctx, inst.ID))
	storetest.Must[domain.Ticket](b)(st.CloseTicket(storetest.Installer(), tickets[0].ID))
	token, pub, hash := ingest.NewToken()
	storetest.Must[domain.IngestToken](b)(s.App.Store().InsertIngestToken(context.Background(), inst.ID, pub, hash))
	offset.Store(int64(35 * 24 * time.Hour)) // 35 days of collection behind the store's clock
	if err := s.App.Store().PreparePartitions(context.Background(), base, 2); err != nil {
		b.Fatal(err)
	}
	var copyTo int64
	raw := storetest.Must[*pgx.Conn](b)(pgx.Connect(context.Background(), s.Config.DatabaseURL))
	defer raw.Close(context.Background())
	err := raw.QueryRow(context.Background(), `INSERT INTO streams (installation_id, key, kind, unit, cadence_s, created_at)
		VALUES ($1, 'bench.copy', 'power', 'W', 1, now()) RETURNING id`, inst.ID).Scan(&copyTo)
	if err != nil {
		b.Fatal(err)
	}
	for !strings.Contains(string(s.Do(b, http.MethodGet, "/readyz", "", nil).Body), "mqtt: connected") {
		time.Sleep(20 * time.Millisecond)
	}
	ib := &ingestBench{s: s, broker: broker, token: token, publicID: pub, installation: inst.ID, copyTo: copyTo, base: base}
	ib.createStreams(b)
	return ib
}

// createStreams sends one reading of each stream the batches write, 30
// days after base (after every batch's time), so that the timed batches
// find their streams as raw COPY finds its own: the steady state of a
// gateway, which creates its streams once.
func (ib *ingestBench) createStreams(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	at := ib.base.Add(30 * 24 * time.Hour).UnixMilli()
	for i := range benchStreams {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"stream":"bench.s%d.power","time":%d,"value":0}`, i, at)
	}
	buf.WriteByte(']')
	req, _ := http.NewRequest(http.MethodPost, ib.s.URL+api.IngestPath, &buf)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ib.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("creating the streams: %d", res.StatusCode)
	}
}

// atMs is the time of reading j of a stream's block: each block is
// 1,000 consecutive seconds.
func (ib *ingestBench) atMs(block int64, j int) int64 {
	return ib.base.Add(time.Duration(block*batchSize+int64(j)) * time.Second).UnixMilli()
}

// batch is batch i as a gateway sends it.
func (ib *ingestBench) batch(i int64) []byte {
	var buf bytes.Buffer
	buf.Grow(batchSize * 64)
	buf.WriteByte('[')
	stream := "bench.s" + strconv.FormatInt(i%benchStreams, 10) + ".power"
	for j := range batchSize {
		if j > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"stream":%q,"time":%d,"value":%d}`, stream, ib.atMs(i/benchStreams, j), j%97)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// runClients runs b.N calls of do from ingestClients goroutines and
// reports and returns readings/s.
func runClients(b *testing.B, do func(int64)) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range ingestClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				do(i)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	rate := float64(b.N*batchSize) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "readings/s")
	return rate
}
