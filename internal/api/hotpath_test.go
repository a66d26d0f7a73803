package api_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"sync"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// The hot read path (GET /patients/{id}) keeps statements prepared and
// tokens verified across requests; neither may outlive what they stand
// for. These tests read first, so that every cache is warm.

// warmRead reads a patient n times and returns the last record.
func warmRead(t *testing.T, s *apptest.Server, token, patient string, n int) map[string]any {
	t.Helper()
	var rec map[string]any
	for range n {
		rec = wdGet[map[string]any](t, s, "/api/v1/patients/"+patient, token)
	}
	return rec
}

// TestWithdrawalMakesAWarmRecordUnreadableAtOnce: right after the
// withdrawal, the next read of a patient read many times before shows
// nothing erased: everything of an inactive home (shredded at once), the
// codice fiscale and medical data of a working one.
func TestWithdrawalMakesAWarmRecordUnreadableAtOnce(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			homes := wdDemoHomes(t, s, doctor, s.Login(t, demo.Installer, "gennaro"))
			cases := []struct {
				home wdHome
				gone []string
			}{
				{homes["inactive"][0], []string{"first_name", "last_name", "codice_fiscale", "address", "medical_notes", "diagnosis"}},
				{homes["working"][0], []string{"codice_fiscale", "medical_notes", "diagnosis"}},
			}
			for _, c := range cases {
				if rec := warmRead(t, s, doctor, c.home.patient, 5); rec["codice_fiscale"] == "" || rec["first_name"] == "" {
					t.Fatalf("patient %s unreadable before the withdrawal: %v", c.home.patient, rec)
				}
				if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+c.home.patient, doctor, nil); res.Status != http.StatusNoContent {
					t.Fatalf("withdraw: %d %s", res.Status, res.Body)
				}
				rec := wdGet[map[string]any](t, s, "/api/v1/patients/"+c.home.patient, doctor)
				for _, f := range c.gone {
					if rec[f] != "" {
						t.Errorf("%s of patient %s = %v right after the withdrawal, want erased", f, c.home.patient, rec[f])
					}
				}
			}
		})
	}
}

// breakAuditWrites makes every insert into the audit trail fail (a
// trigger, which no prepared statement bypasses); the returned func
// mends it.
func breakAuditWrites(t *testing.T, s *apptest.Server, backend string) func() {
	t.Helper()
	driver, dsn := "sqlite", s.StorePath()
	stmts := []string{`CREATE TRIGGER audit_write_fails BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`}
	mend := []string{`DROP TRIGGER audit_write_fails`}
	if backend == "postgres" {
		driver, dsn = "pgx", s.Config.DatabaseURL
		stmts = []string{`CREATE FUNCTION audit_write_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$`,
			`CREATE TRIGGER audit_write_fails BEFORE INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_write_fails()`}
		mend = []string{`DROP TRIGGER audit_write_fails ON audit_log`, `DROP FUNCTION audit_write_fails()`}
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	exec := func(stmts []string) {
		for _, q := range stmts {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(stmts)
	return func() { exec(mend) }
}

// TestAWarmReadFailsClosedWhenTheAuditWriteFails: with the audit insert
// (prepared, cached) failing, every read of a group fails with 503 and
// no patient data; once writes work again, reads are served and the
// chain verifies.
func TestAWarmReadFailsClosedWhenTheAuditWriteFails(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			warmRead(t, s, doctor, "1", 5)
			mend := breakAuditWrites(t, s, backend)
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					res := s.Do(t, http.MethodGet, "/api/v1/patients/1", doctor, nil)
					if res.Status != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" {
						t.Errorf("= %d %s, want a 503 problem", res.Status, res.Body)
					}
					for _, leak := range []string{"codice_fiscale", "first_name", "address"} {
						if strings.Contains(string(res.Body), leak) {
							t.Errorf("the refusal carries %q: %s", leak, res.Body)
						}
					}
				})
			}
			wg.Wait()
			mend()
			warmRead(t, s, doctor, "1", 2)
			if _, err := s.App.Store().VerifyAudit(context.Background()); err != nil {
				t.Errorf("audit chain after the failed writes: %v", err)
			}
		})
	}
}
