package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// activityHead is the first two installations of a caller's list by
// last activity (newest first), as references and shown times.
func activityHead(t *testing.T, s *apptest.Server, c accessCaller) (refs []string, shown []time.Time) {
	t.Helper()
	for _, r := range allPages(t, s, c.token, "/api/v1/installations?sort=last_activity&limit=7", "installations")[:2] {
		at, err := time.Parse(time.RFC3339Nano, r.str("last_activity"))
		if err != nil {
			t.Fatalf("%s: last_activity %q: %v", c.name, r.str("last_activity"), err)
		}
		refs, shown = append(refs, r.str("id")), append(shown, at)
	}
	return refs, shown
}

// TestLastActivityIsTheNewestMessageOrReading, on both backends: readings
// sent over HTTP move an installation's last activity in the list and
// its order, exact for doctors and to the hour for monitoring; an older
// reading sent later does not move it back, nor does a ticket workflow
// whose newest message is older than the reading; a newer message
// moves it past the reading.
func TestLastActivityIsTheNewestMessageOrReading(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			t0 := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Hour).Add(10 * time.Minute)
			s, clock := sensorServer(t, backend, t0)
			doc, imt := loginDemo(t, s, demo.Doctor), loginDemo(t, s, demo.Monitoring)
			a, b := newSensorHome(t, s), newSensorHome(t, s)
			clock.Advance(4 * time.Hour) // readings up to t0+4h are not in the future
			send := func(h sensorHome, at time.Time) {
				t.Helper()
				if res := post(t, s, h.token, "application/json", "", []byte("["+readingAt("kitchen.motion", at, true)+"]")); res.Status != http.StatusOK {
					t.Fatalf("ingest: %d %s", res.Status, res.Body)
				}
			}
			// want checks that both callers list first, then second, at
			// the times given (cut to the hour for monitoring).
			want := func(step string, first, second sensorHome, firstAt, secondAt time.Time) {
				t.Helper()
				for _, c := range []accessCaller{doc, imt} {
					refs, shown := activityHead(t, s, c)
					wantRefs := []string{refFor(s, c, resource.Installation, first.installation), refFor(s, c, resource.Installation, second.installation)}
					wantShown := []time.Time{firstAt, secondAt}
					if c.name != string(domain.RoleDoctor) {
						wantShown = []time.Time{firstAt.Truncate(time.Hour), secondAt.Truncate(time.Hour)}
					}
					if !slices.Equal(refs, wantRefs) || !shown[0].Equal(wantShown[0]) || !shown[1].Equal(wantShown[1]) {
						t.Errorf("%s, %s: first %v at %v, want %v at %v", step, c.name, refs, shown, wantRefs, wantShown)
					}
				}
			}
			send(a, t0.Add(2*time.Hour))
			send(b, t0.Add(3*time.Hour).Add(123*time.Millisecond))
			want("readings", b, a, t0.Add(3*time.Hour).Add(123*time.Millisecond), t0.Add(2*time.Hour))

			send(b, t0.Add(time.Hour)) // older: stored, but not the newest
			send(b, t0.Add(3*time.Hour).Add(123*time.Millisecond))
			want("older reading", b, a, t0.Add(3*time.Hour).Add(123*time.Millisecond), t0.Add(2*time.Hour))

			clock.Advance(-150 * time.Minute) // t0+1h30: a maintenance ticket, older than b's reading
			storetest.Must[domain.Ticket](t)(s.App.Study().OpenTicket(installerCtx(), b.installation, domain.CategoryMaintenance, "sensor check"))
			want("older message", b, a, t0.Add(3*time.Hour).Add(123*time.Millisecond), t0.Add(2*time.Hour))

			clock.Advance(4 * time.Hour) // t0+5h30: a message newer than every reading
			opened := storetest.Must[domain.Ticket](t)(s.App.Study().OpenTicket(installerCtx(), a.installation, domain.CategoryMaintenance, "battery low"))
			want("newer message", a, b, opened.OpenedAt.UTC(), t0.Add(3*time.Hour).Add(123*time.Millisecond))
		})
	}
}
