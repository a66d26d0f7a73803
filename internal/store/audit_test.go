package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/storetest"
)

// fillAudit records n entries from concurrent requests through a group-
// committing writer, and returns the group sizes it used.
func fillAudit(t *testing.T, env *storetest.Env, n int) []int {
	t.Helper()
	return fillAuditOf(t, env.DB, n)
}

// fillAuditOf is fillAudit through the audit writer of one store handle
// (one server process).
func fillAuditOf(t *testing.T, db audit.Appender, n int) []int {
	t.Helper()
	var mu sync.Mutex
	var groups []int
	w := audit.NewWriter(db, slog.New(slog.NewTextHandler(io.Discard, nil)), audit.Metrics{GroupSize: func(n int) {
		mu.Lock()
		groups = append(groups, n)
		mu.Unlock()
	}})
	defer w.Close()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.Record(context.Background(), audit.Entry{
				Time: time.Now(), ActorSubject: "local:iit-gennaro", ActorUsername: "iit-gennaro", Roles: []string{"iit"},
				Action: "installation.read", Operation: "get-installation", ResourceType: "installation",
				ResourceRef: fmt.Sprintf("ref-%d", i), Patient: "p" + fmt.Sprint(i%3), Outcome: audit.OutcomeOK, Status: 200,
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return groups
}

// tamper runs SQL on the raw database with the append-only triggers out
// of the way, as an attacker with database access could.
func tamper(t *testing.T, env *storetest.Env, stmts ...string) {
	t.Helper()
	raw := env.Raw(t)
	pre := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`}
	if env.Backend == "postgres" {
		pre = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`}
	}
	for _, s := range append(pre, stmts...) {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditChainGroupCommitsAndVerifies(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		groups := fillAudit(t, env, 200)
		total := 0
		for _, g := range groups {
			total += g
		}
		if total != 200 {
			t.Fatalf("groups %v hold %d entries, want 200", groups, total)
		}
		n, err := env.DB.VerifyAudit(context.Background())
		if err != nil || n != 200 {
			t.Fatalf("verify = %d, %v", n, err)
		}
		t.Logf("200 concurrent entries written in %d transactions", len(groups))
	})
}

// TestAuditChainOfThreeProcessesNeverGivesUp: three processes write one
// trail at once, each as fast as it can; none may give up on a head the
// others keep moving (a request is refused when its entry is not
// written), and the chain verifies whole.
func TestAuditChainOfThreeProcessesNeverGivesUp(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		dbs := []audit.Appender{env.DB}
		for range 2 {
			db, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		const each = 300
		var wg sync.WaitGroup
		for _, db := range dbs {
			wg.Go(func() { fillAuditOf(t, db, each) })
		}
		wg.Wait()
		n, err := env.DB.VerifyAudit(context.Background())
		if err != nil || n != int64(each*len(dbs)) {
			t.Fatalf("verify = %d, %v; want %d entries", n, err, each*len(dbs))
		}
	})
}

func TestAuditLogRefusesEditsThroughSQL(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		fillAudit(t, env, 3)
		raw := env.Raw(t)
		for _, s := range []string{`UPDATE audit_log SET outcome = 'ok' WHERE seq = 2`, `DELETE FROM audit_log WHERE seq = 3`} {
			if _, err := raw.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", s, err)
			}
		}
	})
}

func TestAuditVerifyNamesTheFirstTamperedEntry(t *testing.T) {
	cases := []struct {
		name    string
		stmts   func(env *storetest.Env) []string
		wantSeq int64
		reason  string
	}{
		{"an edited field is detected at that entry", func(*storetest.Env) []string {
			return []string{`UPDATE audit_log SET actor_username = 'someone-else' WHERE seq = 4`}
		}, 4, "edited"},
		{"a deleted entry is detected at the next one", func(*storetest.Env) []string {
			return []string{`DELETE FROM audit_log WHERE seq = 4`}
		}, 5, "sequence"},
		{"two swapped entries are detected at the first", func(*storetest.Env) []string {
			return []string{`UPDATE audit_log SET seq = -4 WHERE seq = 4`, `UPDATE audit_log SET seq = 4 WHERE seq = 5`, `UPDATE audit_log SET seq = 5 WHERE seq = -4`}
		}, 4, "link"},
		{"an inserted entry is detected", func(*storetest.Env) []string {
			return []string{
				`UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4`, `UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1004`,
				`INSERT INTO audit_log (seq, at, actor_subject, actor_username, roles, action, operation, resource_type, resource_ref, resource_audit, patient, outcome, status, request_id, trace_id, client_addr, prev_hash, hash)
				 SELECT 4, at, actor_subject, 'intruder', roles, action, operation, resource_type, resource_ref, resource_audit, patient, outcome, status, request_id, trace_id, client_addr, hash, hash FROM audit_log WHERE seq = 3`,
			}
		}, 4, "edited"},
		{"entries removed from the end are detected against the head", func(*storetest.Env) []string {
			return []string{`DELETE FROM audit_log WHERE seq >= 9`}
		}, 0, "removed from the end"},
		{"a rewritten head is detected", func(*storetest.Env) []string {
			return []string{`UPDATE audit_head SET seq = 3`}
		}, 0, "head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
				fillAudit(t, env, 10)
				tamper(t, env, c.stmts(env)...)
				_, err := env.DB.VerifyAudit(context.Background())
				var p *audit.Problem
				if !errors.As(err, &p) {
					t.Fatalf("verify = %v, want a broken chain", err)
				}
				if p.Seq != c.wantSeq || !strings.Contains(p.Error(), c.reason) {
					t.Errorf("verify = %v, want entry %d (%s)", err, c.wantSeq, c.reason)
				}
			})
		})
	}
}
