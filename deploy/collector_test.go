package deploy

import (
	"slices"
	"sort"
	"testing"
)

// collectorConfig is the shape shared by the OpenTelemetry Collector's
// and Jaeger v2's configuration files.
type collectorConfig struct {
	Receivers  map[string]any `yaml:"receivers"`
	Processors map[string]any `yaml:"processors"`
	Exporters  map[string]any `yaml:"exporters"`
	Extensions map[string]any `yaml:"extensions"`
	Service    struct {
		Extensions []string `yaml:"extensions"`
		Pipelines  map[string]struct {
			Receivers  []string `yaml:"receivers"`
			Processors []string `yaml:"processors"`
			Exporters  []string `yaml:"exporters"`
		} `yaml:"pipelines"`
	} `yaml:"service"`
}

// checkComponents reports a pipeline naming a component that is not
// defined, and a defined component no pipeline uses (the collector
// refuses the first and ignores the second).
func checkComponents(t *testing.T, path string, c collectorConfig) {
	t.Helper()
	used := map[string]map[string]bool{"receivers": {}, "processors": {}, "exporters": {}, "extensions": {}}
	defined := map[string]map[string]any{"receivers": c.Receivers, "processors": c.Processors, "exporters": c.Exporters, "extensions": c.Extensions}
	mark := func(kind string, names []string) {
		for _, n := range names {
			if _, ok := defined[kind][n]; !ok {
				t.Errorf("%s: %s %q is used but not defined", path, kind, n)
			}
			used[kind][n] = true
		}
	}
	mark("extensions", c.Service.Extensions)
	for _, p := range c.Service.Pipelines {
		mark("receivers", p.Receivers)
		mark("processors", p.Processors)
		mark("exporters", p.Exporters)
	}
	for kind, names := range defined {
		for n := range names {
			if !used[kind][n] {
				t.Errorf("%s: %s %q is defined but no pipeline uses it", path, kind, n)
			}
		}
	}
}

// The collector fans OTLP and the containers' logs out to traces (Jaeger),
// logs (Loki) and metrics (Prometheus), and every component it names is
// defined; Jaeger's own pipeline is consistent too.
func TestCollectorFansOutToTracesLogsAndMetrics(t *testing.T) {
	var c collectorConfig
	readYAML(t, "otel-collector/config.yaml", &c)
	checkComponents(t, "otel-collector/config.yaml", c)
	var kinds []string
	for name, p := range c.Service.Pipelines {
		kinds = append(kinds, name)
		if !slices.Contains(p.Receivers, "otlp") {
			t.Errorf("pipeline %s does not receive OTLP", name)
		}
	}
	sort.Strings(kinds)
	if !slices.Equal(kinds, []string{"logs", "metrics", "traces"}) {
		t.Errorf("pipelines %v, want logs, metrics and traces", kinds)
	}
	for pipeline, exporter := range map[string]string{"traces": "otlp/jaeger", "logs": "otlphttp/loki", "metrics": "otlphttp/prometheus"} {
		if !slices.Contains(c.Service.Pipelines[pipeline].Exporters, exporter) {
			t.Errorf("pipeline %s does not export to %s", pipeline, exporter)
		}
	}
	if !slices.Contains(c.Service.Pipelines["logs"].Receivers, "fluentforward") {
		t.Error("the logs pipeline does not take the containers' logs (fluentforward)")
	}
	var j collectorConfig
	readYAML(t, "jaeger/config.yaml", &j)
	checkComponents(t, "jaeger/config.yaml", j)
}

// Loki indexes only the service and the environment: every other field
// of a log record (request and trace ids, the audit copy's fields) is
// structured metadata, so nothing from a request becomes a label.
func TestLokiLabelsAreOnlyServiceAndEnvironment(t *testing.T) {
	var l struct {
		Limits struct {
			OTLP struct {
				Resource struct {
					IgnoreDefaults bool `yaml:"ignore_defaults"`
					Config         []struct {
						Action     string   `yaml:"action"`
						Attributes []string `yaml:"attributes"`
						Regex      string   `yaml:"regex"`
					} `yaml:"attributes_config"`
				} `yaml:"resource_attributes"`
				Log []struct {
					Action     string   `yaml:"action"`
					Attributes []string `yaml:"attributes"`
					Regex      string   `yaml:"regex"`
				} `yaml:"log_attributes"`
			} `yaml:"otlp_config"`
		} `yaml:"limits_config"`
	}
	readYAML(t, "loki/config.yaml", &l)
	res := l.Limits.OTLP.Resource
	if !res.IgnoreDefaults {
		t.Error("Loki's default resource labels are kept: any resource attribute could become a label")
	}
	var labels []string
	for _, c := range res.Config {
		if c.Action == "index_label" {
			if c.Regex != "" {
				t.Errorf("index labels by regex %q: want named attributes only", c.Regex)
			}
			labels = append(labels, c.Attributes...)
		}
	}
	sort.Strings(labels)
	if !slices.Equal(labels, []string{"deployment.environment", "service.name"}) {
		t.Errorf("index labels %v, want service.name and deployment.environment", labels)
	}
	for _, c := range l.Limits.OTLP.Log {
		if c.Action == "index_label" {
			t.Errorf("log attributes %v %q become labels", c.Attributes, c.Regex)
		}
	}
}
