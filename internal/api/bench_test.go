package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/oidctest"
)

// benchGetPatient measures an authenticated, authorised, decrypted GET
// of one patient through the real handler stack (no network).
func benchGetPatient(b *testing.B, s *apptest.Server, token string) {
	h := s.App.API()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/patients/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkGetPatient compares a local (EdDSA) token with an OIDC (RS256)
// token, on SQLite. Run with -cpu 1 for the one-core figure.
func BenchmarkGetPatient(b *testing.B) {
	b.Run("local-token", func(b *testing.B) {
		s := apptest.Start(b, apptest.Options{Demo: true})
		benchGetPatient(b, s, s.Login(b, demo.Doctor, "alice"))
	})
	// The same without the audit trail: what the (durable, one per
	// request when a single client calls) audit write costs.
	b.Run("local-token-unaudited", func(b *testing.B) {
		s := apptest.Start(b, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.AuditDisabledForBenchmarks = true }})
		benchGetPatient(b, s, s.Login(b, demo.Doctor, "alice"))
	})
	b.Run("oidc-rs256-token", func(b *testing.B) {
		p := oidctest.Start(b)
		s := apptest.Start(b, apptest.Options{Demo: true, Edit: func(c *app.Config) {
			c.OIDC = app.OIDCConfig{Issuer: p.Issuer(), ClientID: "serenade", RolesClaim: "groups"}
		}})
		benchGetPatient(b, s, p.Mint(b, p.Claims(demo.Doctor, "dottore")))
	})
}
