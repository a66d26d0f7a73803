package api_test

import (
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

type auditPage struct {
	Entries []struct {
		Seq       int64    `json:"seq"`
		Actor     string   `json:"actor"`
		Roles     []string `json:"roles"`
		Action    string   `json:"action"`
		Operation string   `json:"operation"`
		Resource  string   `json:"resource"`
		Patient   string   `json:"patient"`
		Outcome   string   `json:"outcome"`
		Status    int      `json:"status"`
		RequestID string   `json:"request_id"`
	} `json:"entries"`
	Next string `json:"next"`
}

func queryAudit(t *testing.T, s *apptest.Server, token string, q url.Values) auditPage {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit?"+q.Encode(), token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("audit query %v: %d %s", q, res.Status, res.Body)
	}
	var p auditPage
	res.JSON(t, &p)
	return p
}

func TestEveryRequestIsAuditedWithItsOutcome(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	admin := s.Login(t, demo.Admin, "anna")
	s.Do(t, http.MethodPost, "/api/v1/auth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin-anna"}, "password": {"wrong password"}})

	s.Do(t, http.MethodGet, "/api/v1/patients/1", doc, nil)           // ok
	s.Do(t, http.MethodGet, "/api/v1/patients", iit, nil)             // 403
	s.Do(t, http.MethodGet, "/api/v1/patients/1", "not-a-token", nil) // 401
	s.Do(t, http.MethodGet, "/api/v1/patients/99999", doc, nil)       // 404

	all := queryAudit(t, s, admin, url.Values{"limit": {"1000"}})
	type key struct {
		actor, op string
		status    int
		outcome   string
	}
	seen := map[key]bool{}
	for _, e := range all.Entries {
		seen[key{e.Actor, e.Operation, e.Status, e.Outcome}] = true
		if e.RequestID == "" {
			t.Errorf("entry %d has no request id", e.Seq)
		}
	}
	for _, want := range []key{
		{"dottore-alice", "create-token", 200, "ok"},
		{"admin-anna", "create-token", 401, "denied"},
		{"dottore-alice", "get-patient", 200, "ok"},
		{"iit-gennaro", "list-patients", 403, "denied"},
		{"", "get-patient", 401, "denied"},
		{"dottore-alice", "get-patient", 404, "denied"},
	} {
		if !seen[want] {
			t.Errorf("no audit entry %+v", want)
		}
	}
}

func TestAuditQueriesFilterAndPage(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	admin := s.Login(t, demo.Admin, "anna")
	for range 7 {
		s.Do(t, http.MethodGet, "/api/v1/patients/2", doc, nil)
	}
	byDoctor := queryAudit(t, s, admin, url.Values{"actor": {"dottore-alice"}, "action": {"patient.read"}})
	if len(byDoctor.Entries) != 7 {
		t.Fatalf("doctor's patient reads = %d, want 7", len(byDoctor.Entries))
	}
	patient := byDoctor.Entries[0].Patient
	if patient == "" || patient == "2" || strings.Contains(patient, "Rossi") {
		t.Fatalf("patient recorded as %q, want an audit pseudonym", patient)
	}
	var pages, total int
	q := url.Values{"patient": {patient}, "limit": {"3"}}
	for {
		p := queryAudit(t, s, admin, q)
		pages, total = pages+1, total+len(p.Entries)
		if p.Next == "" {
			break
		}
		q.Set("cursor", p.Next)
	}
	if total != 7 || pages != 3 {
		t.Errorf("paged %d entries in %d pages, want 7 in 3", total, pages)
	}
	if p := queryAudit(t, s, admin, url.Values{"outcome": {"denied"}}); len(p.Entries) != 0 {
		t.Errorf("denied entries = %d, want 0", len(p.Entries))
	}
	// A range that holds no instant is refused, not answered empty.
	for _, r := range [][2]string{{"2026-03-10T00:00:00Z", "2026-03-01T00:00:00Z"}, {"2026-03-10T00:00:00Z", "2026-03-10T00:00:00Z"}} {
		res := s.Do(t, http.MethodGet, "/api/v1/audit?"+url.Values{"from": {r[0]}, "to": {r[1]}}.Encode(), admin, nil)
		if p := checkProblem(t, res, http.StatusUnprocessableEntity); len(p.Errors) == 0 || p.Errors[0].Location != "query.to" {
			t.Errorf("from %s to %s: errors %+v, want one at query.to", r[0], r[1], p.Errors)
		}
	}
}

func TestDoctorSeesWhoAccessedAPatient(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	// The installer names patient 1's home by its pseudonym (its lists
	// follow pseudonyms, not ids).
	inst, err := s.App.Store().InstallationOfPatient(doctorCtx(), 1)
	if err != nil {
		t.Fatal(err)
	}
	home := pseudonym.New(s.App.Store().PseudonymKey()).Encode(domain.RoleInstaller, resource.Installation, inst.ID)
	if res := s.Do(t, http.MethodGet, "/api/v1/installations/"+home+"/contact-sheet", iit, nil); res.Status != http.StatusOK {
		t.Fatalf("installer reads the contact sheet: %d %s", res.Status, res.Body)
	}

	var rec struct {
		ID string `json:"id"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations/1", doc, nil).JSON(t, &rec)
	res := s.Do(t, http.MethodGet, "/api/v1/patients/1/access-history", doc, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("history: %d %s", res.Status, res.Body)
	}
	var h auditPage
	res.JSON(t, &h)
	found := false
	for _, e := range h.Entries {
		if e.Actor == "iit-gennaro" && e.Operation == "get-contact-sheet" {
			found = true
		}
	}
	if !found {
		t.Errorf("the installer's reading of the contact sheet is not in the patient's history: %s", res.Body)
	}
	if r := s.Do(t, http.MethodGet, "/api/v1/patients/1/access-history", iit, nil); r.Status != http.StatusForbidden {
		t.Errorf("installer reading a history: %d", r.Status)
	}
}

// TestAuditFailureRefusesTheRequest breaks the audit table under a running
// server: every request, allowed or not, must then be refused without
// serving anything.
func TestAuditFailureRefusesTheRequest(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	raw, err := sql.Open("sqlite", s.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`ALTER TABLE audit_log RENAME TO audit_log_unavailable`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, token string
		body                      any
	}{
		{"a doctor's patient read", http.MethodGet, "/api/v1/patients/1", doc, nil},
		{"a doctor's patient list", http.MethodGet, "/api/v1/patients", doc, nil},
		{"a login", http.MethodPost, "/api/v1/auth/token", "", url.Values{"grant_type": {"password"}, "username": {"dottore-alice"}, "password": {"alice"}}},
		{"a refused request", http.MethodGet, "/api/v1/patients/1", "bad-token", nil},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			res := s.Do(t, c.method, c.path, c.token, c.body)
			if res.Status != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("= %d %s, want 503 problem", res.Status, res.Body)
			}
			for _, leak := range []string{"codice_fiscale", "first_name", "access_token", "patients"} {
				if strings.Contains(string(res.Body), leak) {
					t.Errorf("the refusal carries %q: %s", leak, res.Body)
				}
			}
		})
	}
}
