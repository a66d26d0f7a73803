package api_test

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/telemetry"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/syncbuf"
)

// auditRow is an entry of the trail as admins read it.
type auditRow struct {
	Seq           int64  `json:"seq"`
	Actor         string `json:"actor"`
	Operation     string `json:"operation"`
	Resource      string `json:"resource"`
	ResourceAudit string `json:"resource_audit"`
	Patient       string `json:"patient"`
	Status        int    `json:"status"`
}

// auditAfter returns the entries written after seq, oldest first.
func auditAfter(t *testing.T, s *apptest.Server, admin string, seq int64) []auditRow {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit?"+url.Values{"since": {strconv.FormatInt(seq, 10)}, "limit": {"1000"}}.Encode(), admin, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	var page struct{ Entries []auditRow }
	res.JSON(t, &page)
	return page.Entries
}

func lastSeq(t *testing.T, s *apptest.Server, admin string) int64 {
	t.Helper()
	rows := auditAfter(t, s, admin, 0)
	if len(rows) == 0 {
		t.Fatal("empty trail")
	}
	return rows[len(rows)-1].Seq
}

// rawStore is every byte the database keeps: the SQLite file and its
// WAL, or a dump of the PostgreSQL database.
func rawStore(t *testing.T, s *apptest.Server, backend string) []byte {
	t.Helper()
	if backend == "postgres" {
		return pgtest.DumpDatabase(t, s.Config.DatabaseURL)
	}
	var all []byte
	for _, f := range []string{s.StorePath(), s.StorePath() + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestAuditKeepsNoReferenceAsTyped: a codice fiscale pasted into a path,
// by any role, allowed or refused, leaves no trace in the trail, its log
// copy or the raw database, only that an unresolved reference was given;
// a doctor's id and an installer's pseudonym of the same installation are
// both recorded as the same audit pseudonym, which is neither of them.
func TestAuditKeepsNoReferenceAsTyped(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var logs syncbuf.Buffer
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Log: telemetry.NewLogger(&logs, slog.LevelInfo)})
			doc, iit := loginDemo(t, s, demo.Doctor), loginDemo(t, s, demo.Installer)
			imt, unimi := loginDemo(t, s, demo.Monitoring), loginDemo(t, s, demo.Researcher)
			admin := s.Login(t, demo.Admin, "anna")
			cf := demoCodiceFiscale(t, s, doc.token)
			inst := demoFixture(t, s).ids[resource.Installation]
			iitInst := refFor(s, iit, resource.Installation, inst)

			t.Run("a codice fiscale in a path leaves no trace", func(t *testing.T) {
				from := lastSeq(t, s, admin)
				pasted := []struct {
					by           accessCaller
					method, path string
					status       int
				}{
					{doc, http.MethodGet, "/api/v1/patients/" + cf, http.StatusNotFound},
					{doc, http.MethodGet, "/api/v1/patients/" + strings.ToLower(cf) + "/access-history", http.StatusNotFound},
					{iit, http.MethodGet, "/api/v1/installations/" + cf, http.StatusNotFound},
					{iit, http.MethodDelete, "/api/v1/installations/" + iitInst + "/contact-sheet/contacts/" + cf, http.StatusNotFound},
					{imt, http.MethodGet, "/api/v1/tickets/" + cf, http.StatusNotFound},
					{unimi, http.MethodGet, "/api/v1/patients/" + cf + "/screening", http.StatusNotFound},
					{unimi, http.MethodGet, "/api/v1/tickets/" + cf, http.StatusForbidden},
				}
				for _, p := range pasted {
					if res := s.Do(t, p.method, p.path, p.by.token, nil); res.Status != p.status {
						t.Fatalf("%s %s %s: %d, want %d", p.by.name, p.method, p.path, res.Status, p.status)
					}
				}
				rows := auditAfter(t, s, admin, from)
				unresolved := 0
				for _, r := range rows {
					if r.Actor == demo.Admin || r.Operation == "query-audit" {
						continue
					}
					if r.Resource != "unresolved" || r.ResourceAudit != "" || r.Patient != "" {
						t.Errorf("%s %s (%d) recorded resource %q, audit %q, patient %q; want only \"unresolved\"",
							r.Actor, r.Operation, r.Status, r.Resource, r.ResourceAudit, r.Patient)
					}
					unresolved++
				}
				if unresolved != len(pasted) {
					t.Errorf("%d entries for %d requests", unresolved, len(pasted))
				}
				raw := rawStore(t, s, backend)
				for _, form := range []string{cf, strings.ToLower(cf)} {
					if bytes.Contains(raw, []byte(form)) {
						t.Errorf("the raw %s database holds %q", backend, form)
					}
					if strings.Contains(logs.String(), form) {
						t.Errorf("the audit's log copy holds %q", form)
					}
				}
			})

			t.Run("a username that names no account is not kept", func(t *testing.T) {
				from := lastSeq(t, s, admin)
				attempts := []struct{ typed, recorded string }{
					{cf, "(unknown account)"},                      // a codice fiscale typed as the username
					{"Correct-Horse-Battery", "(unknown account)"}, // a password typed in the wrong field
					{demo.Installer, demo.Installer},               // an account: named, though the password is wrong
				}
				for _, a := range attempts {
					if res := postTokenForm(t, s, a.typed, "wrong password"); res.Status != http.StatusUnauthorized {
						t.Fatalf("login as %q: %d, want 401", a.typed, res.Status)
					}
				}
				var got []string
				for _, r := range auditAfter(t, s, admin, from) {
					if r.Operation == "create-token" {
						got = append(got, r.Actor)
					}
				}
				if len(got) != len(attempts) {
					t.Fatalf("%d login entries for %d attempts", len(got), len(attempts))
				}
				for i, a := range attempts {
					if got[i] != a.recorded {
						t.Errorf("login as %q recorded as %q, want %q", a.typed, got[i], a.recorded)
					}
				}
				raw := rawStore(t, s, backend)
				for _, typed := range []string{cf, "Correct-Horse-Battery"} {
					if bytes.Contains(raw, []byte(typed)) || strings.Contains(logs.String(), typed) {
						t.Errorf("the trail (database or log copy) holds the typed username %q", typed)
					}
				}
			})

			t.Run("a doctor's id and an installer's pseudonym are recorded as one audit pseudonym", func(t *testing.T) {
				from := lastSeq(t, s, admin)
				id := strconv.FormatInt(inst, 10)
				for _, c := range []struct {
					by  accessCaller
					ref string
				}{{doc, id}, {iit, iitInst}} {
					if res := s.Do(t, http.MethodGet, "/api/v1/installations/"+c.ref, c.by.token, nil); res.Status != http.StatusOK {
						t.Fatalf("%s reads installation %s: %d", c.by.name, c.ref, res.Status)
					}
				}
				var got []auditRow
				for _, r := range auditAfter(t, s, admin, from) {
					if r.Operation == "get-installation" {
						got = append(got, r)
					}
				}
				if len(got) != 2 {
					t.Fatalf("%d get-installation entries, want 2: %+v", len(got), got)
				}
				want := pseudonym.New(s.App.Store().PseudonymKey()).Encode(pseudonym.AuditRole, resource.Installation, inst)
				for _, r := range got {
					if r.Resource != want || r.ResourceAudit != want {
						t.Errorf("%s's entry names the installation %q / %q, want the audit pseudonym %q", r.Actor, r.Resource, r.ResourceAudit, want)
					}
					for _, typed := range []string{id, iitInst} {
						if r.Resource == typed || r.ResourceAudit == typed || r.Patient == typed {
							t.Errorf("%s's entry holds the reference %q as typed: %+v", r.Actor, typed, r)
						}
					}
				}
				if got[0].Patient == "" || got[0].Patient != got[1].Patient {
					t.Errorf("patients %q and %q, want the same audit pseudonym", got[0].Patient, got[1].Patient)
				}
				if raw := rawStore(t, s, backend); bytes.Contains(raw, []byte(iitInst)) {
					t.Errorf("the raw %s database holds the installer's pseudonym %q", backend, iitInst)
				}
			})
		})
	}
}
