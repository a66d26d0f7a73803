package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// TestInstallationReadCarriesTheListFields, on both backends and for
// every role that reads installations: GET /installations/{id} carries
// the date_join and last_activity its row of the list carries, at the
// same precision (the demo's homes have messages, so last_activity is
// present), and the update's answer carries them too.
func TestInstallationReadCarriesTheListFields(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			for _, who := range []string{demo.Doctor, demo.Installer, demo.Monitoring, demo.Researcher} {
				tok := loginDemo(t, s, who).token
				rows := allPages(t, s, tok, "/api/v1/installations?limit=50", "installations")
				if len(rows) < 3 {
					t.Fatalf("%s lists %d installations", who, len(rows))
				}
				for _, listed := range rows[:3] {
					var one row
					res := s.Do(t, http.MethodGet, "/api/v1/installations/"+url.PathEscape(listed.str("id")), tok, nil)
					if res.JSON(t, &one); res.Status != http.StatusOK {
						t.Fatalf("%s GET installation: %d %s", who, res.Status, res.Body)
					}
					for _, f := range []string{"date_join", "last_activity"} {
						if one.str(f) == "" || one.str(f) != listed.str(f) {
							t.Errorf("%s: single read %s = %q, list %q", who, f, one.str(f), listed.str(f))
						}
					}
				}
			}
			mon := loginDemo(t, s, demo.Monitoring).token
			listed := allPages(t, s, mon, "/api/v1/installations?limit=1", "installations")[0]
			var shown row
			s.Do(t, http.MethodGet, "/api/v1/installations/"+url.PathEscape(listed.str("id")), mon, nil).JSON(t, &shown)
			var updated row
			res := s.Do(t, http.MethodPut, "/api/v1/installations/"+url.PathEscape(listed.str("id")), mon, shown["context"])
			if res.JSON(t, &updated); res.Status != http.StatusOK || updated.str("date_join") != listed.str("date_join") ||
				updated.str("last_activity") != listed.str("last_activity") {
				t.Errorf("update answers %d date_join %q last_activity %q, want %q %q", res.Status,
					updated.str("date_join"), updated.str("last_activity"), listed.str("date_join"), listed.str("last_activity"))
			}
		})
	}
}
