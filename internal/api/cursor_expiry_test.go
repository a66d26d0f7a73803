package api_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/page"
	"serenade/internal/testsupport/apptest"
)

// offsetClock is the real time moved by an offset the test advances.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// TestAuditPagesFollowSealedCursorsThatExpire, on both backends: the
// audit trail and a patient's access history page with the lists'
// sealed cursors (every entry once, in chain order), a cursor opens only
// with the filters it came with, and every list's cursor is refused with
// a 422 naming query.cursor once page.Lifetime has passed since it was
// given, while one just inside its lifetime still opens.
func TestAuditPagesFollowSealedCursorsThatExpire(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clock := &offsetClock{}
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.StoreClock = clock.Now }})
			admin, doctor := s.Login(t, demo.Admin, "anna"), s.Login(t, demo.Doctor, "alice")
			whole := queryAudit(t, s, admin, url.Values{"limit": {"1000"}, "action": {"patient.read"}})
			for range 3 {
				s.Do(t, http.MethodGet, "/api/v1/patients/1", doctor, nil)
			}
			var seqs []int64
			for _, r := range allPages(t, s, admin, "/api/v1/audit?limit=2&action=patient.read", "entries") {
				seqs = append(seqs, int64(r["seq"].(float64)))
			}
			if len(seqs) != len(whole.Entries)+3 {
				t.Errorf("paged %d patient reads, want %d", len(seqs), len(whole.Entries)+3)
			}
			for i := 1; i < len(seqs); i++ {
				if seqs[i] <= seqs[i-1] {
					t.Errorf("entries out of chain order: %v", seqs)
				}
			}
			history := allPages(t, s, doctor, "/api/v1/patients/1/access-history?limit=2", "entries")
			if len(history) < 3 {
				t.Errorf("patient 1's history paged %d entries, want at least its 3 reads", len(history))
			}

			_, cursor := listPage(t, s, admin, "/api/v1/audit?limit=1", "entries")
			_, listCursor := listPage(t, s, doctor, "/api/v1/installations?limit=1", "installations")
			if cursor == "" || listCursor == "" {
				t.Fatal("no cursor for a page followed by more")
			}
			refused := func(token, path, want string) {
				t.Helper()
				p := checkProblem(t, s.Do(t, http.MethodGet, path, token, nil), http.StatusUnprocessableEntity)
				if !problemNames(p, "query.cursor", want) {
					t.Errorf("%s: errors %+v do not name query.cursor saying %q", path, p.Errors, want)
				}
			}
			refused(admin, "/api/v1/audit?limit=1&action=auth.login&cursor="+url.QueryEscape(cursor), "start again")

			clock.Advance(page.Lifetime - time.Minute)
			admin, doctor = s.Login(t, demo.Admin, "anna"), s.Login(t, demo.Doctor, "alice")
			listPage(t, s, admin, "/api/v1/audit?limit=1&cursor="+url.QueryEscape(cursor), "entries")
			listPage(t, s, doctor, "/api/v1/installations?limit=1&cursor="+url.QueryEscape(listCursor), "installations")

			clock.Advance(2 * time.Minute)
			admin, doctor = s.Login(t, demo.Admin, "anna"), s.Login(t, demo.Doctor, "alice")
			refused(admin, "/api/v1/audit?limit=1&cursor="+url.QueryEscape(cursor), "expired")
			refused(doctor, "/api/v1/installations?limit=1&cursor="+url.QueryEscape(listCursor), "expired")
		})
	}
}
