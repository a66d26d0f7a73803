package api_test

import (
	"database/sql"
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

type verification struct {
	Intact   bool   `json:"intact"`
	Entries  int64  `json:"entries"`
	BrokenAt int64  `json:"broken_at"`
	Reason   string `json:"reason"`
}

func verifyAudit(t *testing.T, s *apptest.Server, tok string) verification {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit/verification", tok, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("verification: %d %s", res.Status, res.Body)
	}
	var v verification
	res.JSON(t, &v)
	return v
}

// TestAuditVerificationOverHTTP, on both backends: the admin's check
// says intact with the number of entries written so far (the check's
// own entry is recorded after it ran), and after an entry is edited in
// the database it says broken at that entry, as `serenade audit verify`
// does; accounts are listed without password hashes.
func TestAuditVerificationOverHTTP(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			admin := s.Login(t, demo.Admin, "anna")
			doctor := s.Login(t, demo.Doctor, "alice")
			for range 4 {
				s.Do(t, http.MethodGet, "/api/v1/patients/1", doctor, nil)
			}
			// Two logins and four reads are six entries.
			if v := verifyAudit(t, s, admin); !v.Intact || v.Entries != 6 || v.BrokenAt != 0 {
				t.Fatalf("verification = %+v, want intact with 6 entries", v)
			}
			tamperAudit(t, backend, s.Config.DatabaseURL, `UPDATE audit_log SET outcome = 'denied' WHERE seq = 4`)
			if v := verifyAudit(t, s, admin); v.Intact || v.BrokenAt != 4 || v.Reason == "" {
				t.Errorf("verification after tampering = %+v, want broken at 4 with a reason", v)
			}
			res := s.Do(t, http.MethodGet, "/api/v1/accounts", admin, nil)
			var list struct {
				Accounts []map[string]any `json:"accounts"`
			}
			res.JSON(t, &list)
			if res.Status != http.StatusOK || len(list.Accounts) != len(demo.Accounts) {
				t.Fatalf("accounts: %d, %d accounts, want %d", res.Status, len(list.Accounts), len(demo.Accounts))
			}
			for _, a := range list.Accounts {
				if _, ok := a["password_hash"]; ok || a["username"] == "" {
					t.Errorf("account %v", a)
				}
			}
		})
	}
}

// tamperAudit edits the trail behind the server's back (its append-only
// trigger disabled first).
func tamperAudit(t *testing.T, backend, url string, stmt string) {
	t.Helper()
	driver, pre := "sqlite", `DROP TRIGGER audit_log_no_update`
	if backend == "postgres" {
		driver, pre = "pgx", `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{pre, stmt} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}
