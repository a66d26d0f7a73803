package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
)

func scrape(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, res.StatusCode, b)
	}
	return string(b)
}

func TestMetricsExposeRoutesBuildPoolsAndAudit(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			token := s.Login(t, "dottore-alice", "alice")
			if res := s.Do(t, http.MethodGet, "/api/v1/patients/1", token, nil); res.Status != http.StatusOK {
				t.Fatalf("GET patient 1 = %d %s", res.Status, res.Body)
			}
			s.Do(t, http.MethodGet, "/api/v1/patients/2", "", nil) // 401
			s.Do(t, http.MethodGet, "/healthz", "", nil)
			s.Do(t, http.MethodGet, "/docs", "", nil)
			s.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
			s.Do(t, http.MethodGet, "/no/such/RSSMRA80A01H501U", "", nil)

			body := scrape(t, s.URL+"/metrics")
			pools := map[string][]string{"sqlite": {"sqlite_write", "sqlite_read"}, "postgres": {"postgres"}}[backend]
			want := []string{
				`serenade_http_request_duration_seconds_bucket{method="GET",route="/api/v1/patients/{patient}",status="200",le="+Inf"} 1`,
				`serenade_http_request_duration_seconds_count{method="GET",route="/api/v1/patients/{patient}",status="401"} 1`,
				`serenade_http_request_duration_seconds_count{method="POST",route="/api/v1/auth/token",status="200"} 1`,
				`serenade_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`,
				`serenade_http_request_duration_seconds_count{method="GET",route="/docs",status="200"} 1`,
				`serenade_http_request_duration_seconds_count{method="GET",route="/api/v1/openapi.json",status="200"} 1`,
				`route="unmatched",status="404"} 1`,
				`serenade_build_info{revision=`,
				`go_build_info{`,
				`go_goroutines `,
				`serenade_audit_group_size_bucket{le="1"}`,
				`serenade_audit_group_size_count `,
				`serenade_audit_write_seconds_count `,
			}
			for _, p := range pools {
				want = append(want, `go_sql_open_connections{db_name="`+p+`"}`, `go_sql_wait_count_total{db_name="`+p+`"}`)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("/metrics lacks %s", w)
				}
			}
			for _, raw := range []string{"/patients/1", "/patients/2", "RSSMRA", "/no/such"} {
				if strings.Contains(body, raw) {
					t.Errorf("/metrics carries the raw %q", raw)
				}
			}
			if strings.Contains(body, "serenade_audit_group_size_count 0") {
				t.Error("the audit writer observes nothing")
			}
		})
	}
}

func TestMetricsCanHaveAListenerOfTheirOwn(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Edit: func(c *app.Config) { c.MetricsListen = "127.0.0.1:0" }})
	if res := s.Do(t, http.MethodGet, "/metrics", "", nil); res.Status != http.StatusNotFound {
		t.Errorf("main listener /metrics = %d, want 404", res.Status)
	}
	body := scrape(t, "http://"+s.App.MetricsAddr()+"/metrics")
	if !strings.Contains(body, `route="unmatched",status="404"`) {
		t.Errorf("metrics listener lacks the main listener's requests:\n%s", body)
	}
}
