package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/keyring"
)

// TestWrongKeyFileWithTheRightVersionLosesNothing is the reviewer's
// sequence on a real server: the key file is replaced by one with the
// same version number and other bytes, then SIGHUP. Expected: /readyz
// 503, enrolment and withdrawal 503 with no data key written or
// destroyed, `keys rotate` refused without touching the key file, and
// `audit verify` passes (it needs no key). The right file back + SIGHUP:
// ready, every patient reads, writes work, and settle (restart, reads,
// audit verify) holds.
func TestWrongKeyFileWithTheRightVersionLosesNothing(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			s := d.serve(t)
			ids := s.enrolled(t)
			keyFile, dbURL := d.paths()
			good, err := keyring.ReadMasterKeyFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := good.Current()
			other, _ := keyring.NewKey()
			if err := keyring.WriteMasterKeyFile(keyFile, keyring.MasterKeys{v: other}); err != nil {
				t.Fatal(err)
			}
			s.hangUp(t)
			s.waitReadyz(t, http.StatusServiceUnavailable)
			raw := openRaw(t, backend, dbURL)
			before := countRows(t, raw, "data_keys")

			if status, body := s.enrol(t, 1); status != http.StatusServiceUnavailable {
				t.Errorf("enrolment under the wrong key = %d %s, want 503", status, body)
			}
			if status, body, err := s.do(http.MethodDelete, "/api/v1/patients/"+ids[0]); err != nil || status != http.StatusServiceUnavailable {
				t.Errorf("withdrawal under the wrong key = %d %v %s, want 503", status, err, body)
			}
			if n := countRows(t, raw, "data_keys"); n != before {
				t.Errorf("data keys: %d after the refused writes, want %d", n, before)
			}
			if out, err := d.exec("keys", "rotate"); err == nil || !strings.Contains(err.Error(), "wrong or replaced key file") {
				t.Errorf("keys rotate under the wrong key: %v %s", err, out)
			}
			if keys, _ := keyring.ReadMasterKeyFile(keyFile); len(keys) != 1 || keys[v] != other {
				t.Errorf("the refused rotation changed the key file: %d versions", len(keys))
			}
			if out := d.run(t, "audit", "verify"); !strings.Contains(out, "audit chain intact") {
				t.Errorf("audit verify under the wrong key: %s", out)
			}

			if err := keyring.WriteMasterKeyFile(keyFile, good); err != nil {
				t.Fatal(err)
			}
			s.hangUp(t)
			s.waitReadyz(t, http.StatusOK)
			s.readsBack(t, ids)
			if status, body := s.enrol(t, 2); status != http.StatusCreated {
				t.Fatalf("enrolment with the right key = %d %s", status, body)
			}
			if err := s.withdraw(ids[0]); err != nil {
				t.Fatal(err)
			}
			d.run(t, "keys", "rotate")
			d.settle(t, s.enrolled(t), s)
		})
	}
}

// paths returns the deployment's key file and database URL.
func (d *deployment) paths() (keyFile, dbURL string) {
	var dataDir string
	for _, kv := range d.env {
		if k, v, _ := strings.Cut(kv, "="); k == "SERENADE_DATA_DIR" {
			dataDir = v
		} else if k == "SERENADE_DATABASE_URL" {
			dbURL = v
		}
	}
	if dbURL == "" {
		dbURL = filepath.Join(dataDir, "serenade.db")
	}
	return filepath.Join(dataDir, "master.key"), dbURL
}

// hangUp sends SIGHUP: the server re-reads its master key file.
func (s *server) hangUp(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}

// waitReadyz polls /readyz until it answers want, in a bounded loop.
func (s *server) waitReadyz(t *testing.T, want int) {
	t.Helper()
	got := 0
	for range 400 {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if got = res.StatusCode; got == want {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("/readyz stayed %d, want %d\n%s", got, want, s.logs)
}

// enrol posts a new patient as the doctor.
func (s *server) enrol(t *testing.T, n int) (int, []byte) {
	t.Helper()
	cf, err := codicefiscale.Build("Verifica", "Chiave", "F", time.Date(1940, 3, n, 0, 0, 0, 0, time.UTC), "F205")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"first_name": "Chiave", "last_name": "Verifica", "codice_fiscale": cf,
		"address": "Via Padova 5, 20127 Milano", "diagnosis_class": "mci"})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/patients", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func countRows(t *testing.T, raw *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
