package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/testsupport/apptest"
)

// auditFailTrigger makes every insert into the audit trail fail, per
// backend; auditFailUndo removes it.
var (
	auditFailTrigger = map[string][]string{
		"sqlite": {`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store failing'); END`},
		"postgres": {
			`CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store failing'; END $$`,
			`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail()`,
		},
	}
	auditFailUndo = map[string]string{
		"sqlite":   `DROP TRIGGER audit_fail`,
		"postgres": `DROP TRIGGER audit_fail ON audit_log`,
	}
)

// The audit store starts refusing every entry while a doctor's clients
// read and write: every request sent after that is answered 503
// problem+json (fail closed), every request answered 200 at any time has
// its entry, and once the store accepts entries again requests succeed
// and the chain verifies.
func TestAuditStoreFailingFailsClosed(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			l := startLoad(t, s)
			l.waitAnswers(t, 0, 20, "succeeded before the fault", isOK)
			for _, stmt := range auditFailTrigger[backend] {
				execBusy(t, s, stmt)
			}
			failing := l.mark()
			during := l.waitAnswers(t, failing, 40, "to requests sent after the audit store failed", nil)
			wantUnavailable(t, during)
			execBusy(t, s, auditFailUndo[backend])
			back := l.mark()
			l.waitAnswers(t, back, 20, "succeeded once the audit store accepts entries again", isOK)
			l.halt()
			wantEverySuccessAudited(t, s, l.since(0))
			if status := readyzStatus(s); status != http.StatusOK {
				t.Fatalf("/readyz %d after recovery", status)
			}
		})
	}
}

// execBusy runs a statement on the server's database directly, again while
// SQLite answers that the server's writer holds the lock (bounded).
func execBusy(t *testing.T, s *apptest.Server, stmt string) {
	t.Helper()
	for range 200 {
		_, err := s.Raw(t).Exec(stmt)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "SQLITE_BUSY") {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the database stayed locked")
}
