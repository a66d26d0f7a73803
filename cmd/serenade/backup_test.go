package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndRestoreDrill is the restore drill on the binary, on both
// backends: a backup while the server runs, a withdrawal after it, then
// a restore into a new database on another machine (its own master key,
// a copy of the escrow file): the other patients read back, the withdrawn
// one is erased and counted, the audit chain verifies, a second restore
// into the now used database is refused, and a backup never overwrites.
func TestBackupAndRestoreDrill(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			s := d.serve(t)
			ids := s.enrolled(t)
			if len(ids) < 2 {
				t.Fatalf("the demo enrolled %d patients, want at least 2", len(ids))
			}
			out := filepath.Join(t.TempDir(), "serenade.bak")
			if got := d.run(t, "backup", out); !strings.Contains(got, "backup written to "+out) {
				t.Fatalf("backup said: %s", got)
			}
			if _, err := d.exec("backup", out); err == nil || !strings.Contains(err.Error(), "never overwrites") {
				t.Fatalf("a second backup to the same file: %v, want a refusal", err)
			}
			if err := s.withdraw(ids[0]); err != nil {
				t.Fatal(err)
			}
			s.stop(t)

			drill := newDeployment(t, backend)
			keyFile, _ := d.paths()
			drillKey, _ := drill.paths()
			copyFile(t, filepath.Join(filepath.Dir(keyFile), "escrow.keys"), filepath.Join(filepath.Dir(drillKey), "escrow.keys"))
			got := drill.run(t, "restore", out)
			for _, want := range []string{"1 patients withdrawn after the backup were erased", "audit chain intact"} {
				if !strings.Contains(got, want) {
					t.Fatalf("restore said %q, want %q", got, want)
				}
			}
			if _, err := drill.exec("restore", out); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("a second restore: %v, want a refusal naming a non-empty database", err)
			}
			restored := drill.serve(t)
			restored.readsBack(t, ids[1:])
			status, body, err := restored.do(http.MethodGet, "/api/v1/patients/"+ids[0])
			var p struct {
				WithdrawnAt string `json:"withdrawn_at"`
				LastName    string `json:"last_name"`
				Status      string `json:"status"`
			}
			if err != nil || status != http.StatusOK || json.Unmarshal(body, &p) != nil || p.WithdrawnAt == "" || p.LastName != "" || p.Status != "inactive" {
				t.Fatalf("the patient withdrawn after the backup reads %d %v %s; want withdrawn, no name, inactive", status, err, body)
			}
			drill.settle(t, ids[1:], restored)
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
