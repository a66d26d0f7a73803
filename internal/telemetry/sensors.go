package telemetry

import (
	"iter"

	"github.com/prometheus/client_golang/prometheus"
)

// SensorMetrics are the Prometheus series of sensor ingest and device
// health. No label carries an installation, a stream or a token: the
// series count the study as a whole.
//
//	serenade_ingest_readings_total{result}     result: stored | duplicate (readings of accepted batches)
//	serenade_ingest_batch_size                 readings per accepted batch
//	serenade_ingest_lag_seconds                server time at commit − reading time, per reading of an accepted batch
//	serenade_silent_installations              collecting installations silent by the rule (last sweep of this replica)
//	serenade_silence_tickets_opened_total      maintenance tickets the silence sweep opened
//	serenade_silence_sweep_failures_total      sweeps that failed (logged; tried again at the next)
type SensorMetrics struct {
	readings      *prometheus.CounterVec
	batchSize     prometheus.Histogram
	lag           prometheus.Histogram
	silent        prometheus.Gauge
	ticketsOpened prometheus.Counter
	sweepFailures prometheus.Counter
}

// NewSensorMetrics registers the series in reg.
func NewSensorMetrics(reg prometheus.Registerer) *SensorMetrics {
	m := &SensorMetrics{
		readings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "serenade_ingest_readings_total",
			Help: "Readings of accepted ingest batches, by result: stored (new), duplicate (that stream and time was stored already).",
		}, []string{"result"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "serenade_ingest_batch_size",
			Help:    "Readings per accepted ingest batch (HTTP and MQTT).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 … 16,384
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "serenade_ingest_lag_seconds",
			Help:    "Ingest lag of each reading of an accepted batch: the server's time when the batch committed minus the reading's time.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400},
		}),
		silent: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "serenade_silent_installations",
			Help: "Installations collecting data that are silent by the silence rule, as this replica's last sweep found them (take max over replicas).",
		}),
		ticketsOpened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "serenade_silence_tickets_opened_total",
			Help: "Maintenance tickets Serenade opened for silent installations.",
		}),
		sweepFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "serenade_silence_sweep_failures_total",
			Help: "Silence sweeps that failed (logged, and tried again at the next).",
		}),
	}
	m.readings.WithLabelValues("stored")
	m.readings.WithLabelValues("duplicate")
	reg.MustRegister(m.readings, m.batchSize, m.lag, m.silent, m.ticketsOpened, m.sweepFailures)
	return m
}

// Batch records an accepted batch: stored new readings, duplicates, and
// the lag of each of its readings (seconds).
func (m *SensorMetrics) Batch(stored, duplicates int, lags iter.Seq[float64]) {
	m.readings.WithLabelValues("stored").Add(float64(stored))
	m.readings.WithLabelValues("duplicate").Add(float64(duplicates))
	m.batchSize.Observe(float64(stored + duplicates))
	for l := range lags {
		m.lag.Observe(l)
	}
}

// Sweep records a silence sweep: the silent installations it found and
// the tickets it opened, or its failure.
func (m *SensorMetrics) Sweep(silent, opened int, failed bool) {
	if failed {
		m.sweepFailures.Inc()
		return
	}
	m.silent.Set(float64(silent))
	m.ticketsOpened.Add(float64(opened))
}
