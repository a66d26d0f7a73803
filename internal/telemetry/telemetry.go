// Package telemetry is Serenade's observability: OpenTelemetry traces of
// every HTTP request and database call (exported over OTLP only when the
// standard OTEL_EXPORTER_OTLP_* variables ask for it), JSON logs that carry
// the trace, span and request ids, and Prometheus metrics on a registry of
// its own.
//
// Nothing about patients reaches telemetry: spans are named after route
// templates (/api/v1/patients/{patient}), never raw paths; the only
// request attributes are the method, the route, the status and the request
// ids (the server's own, and a trusted proxy's); database spans carry the SQL text (placeholders only) and never the
// arguments; error messages of the database are not recorded.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentation is the name of Serenade's own tracer.
const instrumentation = "serenade"

// Options configure Setup.
type Options struct {
	ServiceName string // service.name of the resource (OTEL_SERVICE_NAME overrides it); default "serenade"
	Version     string // service.version, and the version label of serenade_build_info
	// LogWriter and LogLevel build the JSON logger when Logger is nil
	// (LogWriter defaults to standard error).
	LogWriter io.Writer
	LogLevel  slog.Level
	// Logger, when set, is the base logger instead; its handler is wrapped
	// (once) so that records logged with a context carry the ids.
	Logger *slog.Logger
	// SpanExporter, when set, also receives every span, synchronously as
	// it ends (tests, embedding); OTLP export still follows the environment.
	SpanExporter sdktrace.SpanExporter
	// TrustedPeer reports whether a request's TCP peer (its RemoteAddr) is
	// a trusted proxy, whose traceparent, baggage and X-Request-Id the
	// middleware may take over; nil trusts no peer.
	TrustedPeer func(remoteAddr string) bool
}

// Telemetry holds the tracer provider, the propagator, the logger and the
// metrics registry of one process (or one test server).
type Telemetry struct {
	provider   trace.TracerProvider
	sdk        *sdktrace.TracerProvider // nil when OTEL_SDK_DISABLED=true
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	log        *slog.Logger
	exporting  string // "", "http/protobuf" or "grpc"
	recording  bool   // spans go somewhere (OTLP or Options.SpanExporter)
	// trustedPeer tells trusted proxies, whose trace context is continued.
	trustedPeer func(remoteAddr string) bool

	registry     *prometheus.Registry
	httpDuration *prometheus.HistogramVec

	// AuditGroupSize observes how many audit events are written together.
	AuditGroupSize prometheus.Histogram
	// AuditWriteSeconds observes how long writing one group of audit events takes.
	AuditWriteSeconds prometheus.Histogram
	// AuditWriteFailures counts audit events whose write failed.
	AuditWriteFailures prometheus.Counter

	mu    sync.Mutex
	pools map[string]bool // names of the registered database pools
}

// Setup builds the telemetry of a process from Options and the standard
// OTEL_* variables. Requests always get trace and span ids (so logs carry
// them; an incoming trace is continued only from Options.TrustedPeer), but spans are recorded and exported only when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, over http/protobuf or grpc
// (OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL); OTEL_TRACES_EXPORTER=none stops
// the export and OTEL_SDK_DISABLED=true turns tracing off altogether.
// Call Shutdown to flush.
func Setup(ctx context.Context, o Options) (*Telemetry, error) {
	if o.ServiceName == "" {
		o.ServiceName = "serenade"
	}
	t := &Telemetry{
		propagator:  propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		pools:       map[string]bool{},
		trustedPeer: o.TrustedPeer,
	}
	switch {
	case o.Logger != nil:
		t.log = slog.New(wrapHandler(o.Logger.Handler()))
	default:
		w := o.LogWriter
		if w == nil {
			w = os.Stderr
		}
		t.log = NewLogger(w, o.LogLevel)
	}
	if err := t.setupTracing(ctx, o); err != nil {
		return nil, err
	}
	t.setupMetrics(o.Version)
	return t, nil
}

func (t *Telemetry) setupTracing(ctx context.Context, o Options) error {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		t.provider = noop.NewTracerProvider()
		t.tracer = t.provider.Tracer(instrumentation)
		return nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(o.ServiceName), semconv.ServiceVersion(o.Version)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
	)
	if err != nil && res == nil {
		return fmt.Errorf("telemetry: resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if o.SpanExporter != nil {
		opts = append(opts, sdktrace.WithSyncer(o.SpanExporter))
	}
	exp, protocol, err := newExporter(ctx)
	if err != nil {
		return err
	}
	if exp != nil {
		opts = append(opts, sdktrace.WithBatcher(exp)) // OTEL_BSP_* tune it
		t.exporting = protocol
		// The exporter reports failures (collector down) through otel's
		// error handler: send them to the JSON log instead of plain stderr.
		log := t.log
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			log.Warn("telemetry export failed", "err", err)
		}))
	}
	t.recording = exp != nil || o.SpanExporter != nil
	if !t.recording {
		// Nothing would receive the spans: keep making ids (logs carry
		// them, and a trusted proxy's trace id is kept) but record nothing.
		opts = append(opts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}
	t.sdk = sdktrace.NewTracerProvider(opts...) // else OTEL_TRACES_SAMPLER applies
	t.provider = t.sdk
	t.tracer = t.provider.Tracer(instrumentation)
	return nil
}

// newExporter returns the OTLP span exporter the environment asks for, or
// nil when no endpoint is set (or OTEL_TRACES_EXPORTER=none). The
// exporters read the rest (headers, TLS, compression, timeout) themselves.
func newExporter(ctx context.Context) (sdktrace.SpanExporter, string, error) {
	getenv := os.Getenv
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, "", nil
	}
	if e := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); e == "none" {
		return nil, "", nil
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "", "http/protobuf":
		protocol = "http/protobuf"
		exp, err = otlptracehttp.New(ctx) // endpoint, headers, TLS, compression, timeout from OTEL_EXPORTER_OTLP_*
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, "", fmt.Errorf("telemetry: OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported: want http/protobuf or grpc", protocol)
	}
	if err != nil {
		return nil, "", fmt.Errorf("telemetry: OTLP exporter: %w", err)
	}
	return exp, protocol, nil
}

// Exporting names the OTLP protocol spans are exported with, or "" when
// they are not exported.
func (t *Telemetry) Exporting() string { return t.exporting }

// Tracer is Serenade's own tracer, for spans around work that is not an
// HTTP request or a database call (start-up, background jobs).
func (t *Telemetry) Tracer() trace.Tracer { return t.tracer }

// Logger is the JSON logger whose records carry trace_id, span_id and
// request_id when logged with a context (log.InfoContext(ctx, …)).
func (t *Telemetry) Logger() *slog.Logger { return t.log }

// Shutdown flushes the spans not yet exported and stops the exporter.
// Call it after the HTTP server stopped.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	err := t.sdk.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("telemetry: flushing spans: %w", err)
	}
	return err
}
