package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/mqtttest"
)

// series are the metric names a Prometheus scrape of Serenade yields,
// each with the label names it can carry.
type series map[string]map[string]bool

// scraped starts a real server subscribed to a real MQTT broker, sends it a session's requests (a login,
// a read, a refusal, an unknown path, health) so that every family has
// samples, and scrapes its metrics listener, as Prometheus would: a
// histogram is queried as _bucket, _sum and _count, and every series
// gets the target's "instance" and "job"; "up" is Prometheus's own.
func scraped(t *testing.T) series {
	t.Helper()
	broker := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"serenade": "broker-pass"}})
	creds := filepath.Join(t.TempDir(), "mqtt-credentials")
	if err := os.WriteFile(creds, []byte("serenade\nbroker-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.MetricsListen = "127.0.0.1:0"
		c.MQTT = app.MQTTConfig{URL: broker.URL(), CredentialsFile: creds, ClientID: "serenade-metrics"}
	}})
	token := s.Login(t, "dottore-alice", "alice")
	s.Do(t, http.MethodGet, "/api/v1/patients/1", token, nil)
	s.Do(t, http.MethodGet, "/api/v1/patients/1", "", nil)
	s.Do(t, http.MethodGet, "/no/such/path", "", nil)
	s.Do(t, http.MethodGet, "/healthz", "", nil)
	res, err := http.Get("http://" + s.App.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := series{"up": {"instance": true, "job": true}}
	for name, f := range families {
		labels := map[string]bool{"instance": true, "job": true}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		names := []string{name}
		switch f.GetType().String() {
		case "HISTOGRAM":
			names = []string{name + "_bucket", name + "_sum", name + "_count"}
			labels["le"] = true
		case "SUMMARY":
			names = append(names, name+"_sum", name+"_count")
			labels["quantile"] = true
		}
		for _, n := range names {
			out[n] = labels
		}
	}
	return out
}

// query is one PromQL expression of the bundle and where it is.
type query struct{ where, expr string }

// grafanaVariables are Grafana's built-in interval variables, replaced
// by a duration before parsing, as Grafana does before it queries.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// dashboardQueries returns every panel target's expression of a
// dashboard (rows' panels included) with its template variables
// replaced by a value, and the metric its variables' queries name.
func dashboardQueries(t *testing.T, path string) []query {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string                  `json:"title"`
		Targets []struct{ Expr string } `json:"targets"`
		Panels  []json.RawMessage       `json:"panels"`
	}
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query struct {
					Query string `json:"query"`
				} `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	vars := map[string]bool{}
	var out []query
	labelValues := regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		m := labelValues.FindStringSubmatch(v.Query.Query)
		if m == nil {
			t.Errorf("%s: variable %s: query %q is not label_values(metric, label)", path, v.Name, v.Query.Query)
			continue
		}
		out = append(out, query{path + " variable " + v.Name, m[1]})
	}
	variable := regexp.MustCompile(`\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?`)
	var walk func(raw []json.RawMessage)
	walk = func(raw []json.RawMessage) {
		for _, r := range raw {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for i, target := range p.Targets {
				expr := variable.ReplaceAllStringFunc(grafanaVariables.Replace(target.Expr), func(s string) string {
					name := variable.FindStringSubmatch(s)[1]
					if !vars[name] {
						t.Errorf("%s: panel %q uses the undefined variable %s", path, p.Title, s)
					}
					return ".*"
				})
				out = append(out, query{fmt.Sprintf("%s panel %q target %d", path, p.Title, i), expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// ruleQueries parses a Prometheus rule file as Prometheus does (PromQL
// included) and returns its expressions.
func ruleQueries(t *testing.T, path string) []query {
	t.Helper()
	groups, errs := rulefmt.ParseFile(path, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, err := range errs {
		t.Errorf("%s: %v", path, err)
	}
	if groups == nil {
		return nil
	}
	var out []query
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			out = append(out, query{fmt.Sprintf("%s rule %s", path, r.Alert+r.Record), r.Expr})
		}
	}
	return out
}

// unknownNames parses expr and returns what in it is not exported: the
// metric names, and the label names of its matchers and groupings that
// none of the series it selects carries.
func unknownNames(expr string, exported series) ([]string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var missing []string
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			labels, ok := exported[n.Name]
			if !ok {
				missing = append(missing, "metric "+n.Name)
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name != model.MetricNameLabel && !labels[m.Name] {
					missing = append(missing, fmt.Sprintf("label %s of %s", m.Name, n.Name))
				}
			}
		case *parser.AggregateExpr:
			held := map[string]bool{}
			parser.Inspect(n.Expr, func(inner parser.Node, _ []parser.Node) error {
				if vs, ok := inner.(*parser.VectorSelector); ok {
					for l := range exported[vs.Name] {
						held[l] = true
					}
				}
				return nil
			})
			for _, l := range n.Grouping {
				if !n.Without && len(held) > 0 && !held[l] {
					missing = append(missing, "grouping label "+l)
				}
			}
		}
		return nil
	})
	return missing, nil
}

// Every dashboard panel's query and every alert rule's expression parses
// as PromQL and names only metrics (and labels) that a running Serenade
// exports.
func TestDashboardsAndAlertsQueryExportedMetrics(t *testing.T) {
	exported := scraped(t)
	var queries []query
	dashboards, _ := filepath.Glob("grafana/dashboards/*.json")
	rules, _ := filepath.Glob("prometheus/*.yml")
	for _, d := range dashboards {
		queries = append(queries, dashboardQueries(t, d)...)
	}
	for _, r := range rules {
		if r != filepath.Join("prometheus", "prometheus.yml") {
			queries = append(queries, ruleQueries(t, r)...)
		}
	}
	if len(dashboards) < 2 || len(rules) < 3 || len(queries) < 20 {
		t.Fatalf("found %d dashboards, %d rule files, %d queries: the test would prove little", len(dashboards), len(rules), len(queries))
	}
	for _, q := range queries {
		missing, err := unknownNames(q.expr, exported)
		if err != nil {
			t.Errorf("%s: %q does not parse: %v", q.where, q.expr, err)
			continue
		}
		for _, m := range missing {
			t.Errorf("%s: %s is not exported by Serenade", q.where, m)
		}
	}
}

// Every series family Serenade exports under its own prefix is shown by
// at least one dashboard panel (ingest rate and lag, batch sizes, silent
// installations, silence tickets, the MQTT state, …): a metric nobody
// graphs is one nobody watches. The ingest stall alerts name the ingest
// counters and the lag.
func TestEverySerenadeMetricHasAPanel(t *testing.T) {
	exported := scraped(t)
	dashboards, _ := filepath.Glob("grafana/dashboards/*.json")
	shown := map[string]bool{}
	for _, d := range dashboards {
		for _, q := range dashboardQueries(t, d) {
			for _, m := range selectedMetrics(t, q.expr) {
				shown[familyOf(m, exported)] = true
			}
		}
	}
	for name := range exported {
		if f := familyOf(name, exported); strings.HasPrefix(f, "serenade_") && !shown[f] {
			t.Errorf("no dashboard panel shows %s", f)
		}
	}
	alerted := map[string]bool{}
	for _, q := range ruleQueries(t, filepath.Join("prometheus", "alerts-ingest.yml")) {
		for _, m := range selectedMetrics(t, q.expr) {
			alerted[familyOf(m, exported)] = true
		}
	}
	for _, f := range []string{"serenade_ingest_readings_total", "serenade_ingest_lag_seconds", "serenade_mqtt_connected", "serenade_silence_sweep_failures_total"} {
		if !alerted[f] {
			t.Errorf("no ingest alert rule watches %s", f)
		}
	}
}

// selectedMetrics returns the metric names an expression selects.
func selectedMetrics(t *testing.T, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	var out []string
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// familyOf maps a histogram's _bucket/_sum/_count series to its family.
func familyOf(name string, exported series) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && exported[base+"_bucket"] != nil {
			return base
		}
	}
	return name
}

// The checker itself: a wrong metric name, a label the metric lacks and
// a grouping by a label nothing carries are each reported; a query that
// does not parse is an error.
func TestUnknownNamesAreFound(t *testing.T) {
	exported := series{"serenade_http_request_duration_seconds_count": {"route": true, "status": true, "instance": true, "job": true}}
	for expr, want := range map[string]string{
		`rate(serenade_http_requests_total[5m])`:                                                "metric serenade_http_requests_total",
		`serenade_http_request_duration_seconds_count{code="500"}`:                              "label code of serenade_http_request_duration_seconds_count",
		`sum by (handler) (rate(serenade_http_request_duration_seconds_count[5m]))`:             "grouping label handler",
		`sum by (route) (rate(serenade_http_request_duration_seconds_count{status="5xx"}[5m]))`: "",
	} {
		missing, err := unknownNames(expr, exported)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if want == "" && len(missing) > 0 || want != "" && !slices.Contains(missing, want) {
			t.Errorf("%s: missing %v, want %q", expr, missing, want)
		}
	}
	if _, err := unknownNames(`sum(rate(x[5m])`, exported); err == nil {
		t.Error("an unbalanced expression parsed")
	}
}
