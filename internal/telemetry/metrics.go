package telemetry

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// setupMetrics fills a registry of our own (never the global default, so
// tests and several servers in one process do not collide).
func (t *Telemetry) setupMetrics(version string) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	if version == "" {
		version = "dev"
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "serenade_build_info",
		Help: "Always 1; the labels name the running build.",
	}, []string{"version", "revision"})
	build.WithLabelValues(version, vcsRevision()).Set(1)

	t.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "serenade_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route template, method and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"})
	t.AuditGroupSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "serenade_audit_group_size",
		Help:    "Audit events written together in one group.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 … 512
	})
	t.AuditWriteSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "serenade_audit_write_seconds",
		Help:    "Time to write one group of audit events.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
	})
	t.AuditWriteFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "serenade_audit_write_failures_total",
		Help: "Audit events whose write failed; the requests they recorded were refused.",
	})
	reg.MustRegister(build, t.httpDuration, t.AuditGroupSize, t.AuditWriteSeconds, t.AuditWriteFailures)
	t.registry = reg
}

func vcsRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// Registry is the Prometheus registry of this Telemetry, for collectors
// of other packages.
func (t *Telemetry) Registry() *prometheus.Registry { return t.registry }

// MetricsHandler serves the registry in the Prometheus text format (or
// OpenMetrics, with trace-id exemplars, when the scraper asks for it).
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{
		Registry:          t.registry, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
		ErrorLog:          slogPrinter{t},
	})
}

type slogPrinter struct{ t *Telemetry }

func (p slogPrinter) Println(v ...any) { p.t.log.Warn("metrics: " + fmt.Sprint(v...)) }

// ObserveAuditGroup records the size of one group of audit events.
func (t *Telemetry) ObserveAuditGroup(n int) { t.AuditGroupSize.Observe(float64(n)) }

// CountAuditFailures counts n audit events whose write failed.
func (t *Telemetry) CountAuditFailures(n int) { t.AuditWriteFailures.Add(float64(n)) }

// ObserveAuditWrite records how long one group of audit events took to write.
func (t *Telemetry) ObserveAuditWrite(seconds float64) { t.AuditWriteSeconds.Observe(seconds) }

// ObserveStatements exports how many statements the store has prepared
// on its connections (serenade_db_statements_prepared_total): it grows
// while the per-connection statement caches fill and then stays flat;
// a count that keeps growing means the caches miss.
func (t *Telemetry) ObserveStatements(prepared func() int64) error {
	return t.registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "serenade_db_statements_prepared_total",
		Help: "SQL statements prepared on the database connections (statement cache misses).",
	}, func() float64 { return float64(prepared()) }))
}
