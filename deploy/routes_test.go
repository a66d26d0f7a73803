package deploy

import (
	"net"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Every replica listens where Traefik sends requests and serves /metrics
// on a listener of its own that Prometheus scrapes and no router reaches;
// each has its own MQTT client id; Serenade trusts forwarded addresses
// from Traefik's address only.
func TestEveryReplicaIsRoutedAndScrapedAndMetricsStayPrivate(t *testing.T) {
	p := loadProject(t, "compose.yaml")
	var dyn struct {
		HTTP struct {
			Routers map[string]struct {
				Rule    string `yaml:"rule"`
				Service string `yaml:"service"`
			} `yaml:"routers"`
			Services map[string]struct {
				LoadBalancer struct {
					Servers []struct {
						URL string `yaml:"url"`
					} `yaml:"servers"`
					HealthCheck struct {
						Path string `yaml:"path"`
					} `yaml:"healthCheck"`
				} `yaml:"loadBalancer"`
			} `yaml:"services"`
		} `yaml:"http"`
	}
	readYAML(t, "traefik/dynamic.yml", &dyn)
	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &prom)

	var routed, scraped, wantRouted, wantScraped, clientIDs []string
	for _, s := range dyn.HTTP.Services["serenade"].LoadBalancer.Servers {
		routed = append(routed, s.URL)
	}
	for _, c := range prom.ScrapeConfigs {
		if c.JobName == "serenade" {
			for _, sc := range c.StaticConfigs {
				scraped = append(scraped, sc.Targets...)
			}
		}
	}
	traefik, err := p.GetService("traefik")
	if err != nil {
		t.Fatal(err)
	}
	traefikIP := traefik.Networks["edge"].Ipv4Address
	reps := replicas(p)
	if len(reps) < 2 {
		t.Fatalf("%d replicas: want several", len(reps))
	}
	for _, s := range reps {
		env := map[string]string{}
		for k, v := range s.Environment {
			if v != nil {
				env[k] = *v
			}
		}
		_, port, err1 := net.SplitHostPort(env["SERENADE_LISTEN"])
		_, metricsPort, err2 := net.SplitHostPort(env["SERENADE_METRICS_LISTEN"])
		if err1 != nil || err2 != nil || port == metricsPort {
			t.Fatalf("%s: SERENADE_LISTEN %q and SERENADE_METRICS_LISTEN %q: want two different ports", s.Name, env["SERENADE_LISTEN"], env["SERENADE_METRICS_LISTEN"])
		}
		wantRouted = append(wantRouted, "http://"+s.Name+":"+port)
		wantScraped = append(wantScraped, s.Name+":"+metricsPort)
		clientIDs = append(clientIDs, env["SERENADE_MQTT_CLIENT_ID"])
		if env["SERENADE_TRUSTED_PROXIES"] != traefikIP || traefikIP == "" {
			t.Errorf("%s trusts %q; want only Traefik's address %q", s.Name, env["SERENADE_TRUSTED_PROXIES"], traefikIP)
		}
		for _, pub := range s.Ports {
			t.Errorf("%s publishes port %d: replicas are reached through Traefik only", s.Name, pub.Target)
		}
		for _, u := range routed {
			if strings.HasSuffix(u, ":"+metricsPort) {
				t.Errorf("Traefik routes to %s, the metrics listener", u)
			}
		}
	}
	for name, pair := range map[string][2][]string{"Traefik's servers": {routed, wantRouted}, "Prometheus' targets": {scraped, wantScraped}} {
		got, want := slices.Clone(pair[0]), pair[1]
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s %v, want every replica: %v", name, got, want)
		}
	}
	sort.Strings(clientIDs)
	if slices.Contains(clientIDs, "") || len(slices.Compact(clientIDs)) != len(reps) {
		t.Errorf("MQTT client ids %v: want one of its own per replica", clientIDs)
	}
	if hc := dyn.HTTP.Services["serenade"].LoadBalancer.HealthCheck.Path; hc != "/readyz" {
		t.Errorf("Traefik's health check %q, want /readyz", hc)
	}
	for name, r := range dyn.HTTP.Routers {
		if r.Service == "serenade" && !strings.Contains(r.Rule, "!PathPrefix(`/metrics`)") {
			t.Errorf("router %s does not exclude /metrics: %s", name, r.Rule)
		}
	}
}
