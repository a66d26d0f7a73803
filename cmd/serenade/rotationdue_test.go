package main

import (
	"database/sql"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"serenade/internal/keyring"
)

// backupOfPatientKeys is what a backup of the database taken now holds
// of the patients' data keys: their master version and wrapped bytes.
type wrappedCopy struct {
	version uint32
	wrapped []byte
}

func backupOfPatientKeys(t *testing.T, raw *sql.DB) []wrappedCopy {
	t.Helper()
	rows, err := raw.Query(`SELECT master_version, wrapped FROM data_keys WHERE purpose = 'patient'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []wrappedCopy
	for rows.Next() {
		var c wrappedCopy
		if err := rows.Scan(&c.version, &c.wrapped); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		t.Fatalf("backup of the data keys: %d rows, %v", len(out), err)
	}
	return out
}

// assertBackupDoesNotOpen fails unless no data key of the backup opens
// with the key file as it is now.
func assertBackupDoesNotOpen(t *testing.T, keyFile string, backup []wrappedCopy) {
	t.Helper()
	keys, err := keyring.ReadMasterKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range backup {
		if _, err := keys.Unwrap(c.version, c.wrapped); err == nil {
			t.Fatalf("a data key wrapped under master version %d before the withdrawal still opens with the key file", c.version)
		}
	}
}

// withdrawKeyFileAway moves the key file away, sends SIGHUP and withdraws
// a patient: 204, the rotation pending in the log and on /readyz, the
// audit entry ok, and a repeated DELETE is 409 "already withdrawn". It
// returns the function that puts the key file back.
func (s *server) withdrawKeyFileAway(t *testing.T, keyFile string, raw *sql.DB, id string) func() {
	t.Helper()
	away := keyFile + ".away"
	if err := os.Rename(keyFile, away); err != nil {
		t.Fatal(err)
	}
	s.hangUp(t)
	s.waitReadyz(t, http.StatusServiceUnavailable)
	if status, body, err := s.do(http.MethodDelete, "/api/v1/patients/"+id); err != nil || status != http.StatusNoContent {
		t.Fatalf("withdrawal with the key file away = %d %v %s, want 204\n%s", status, err, body, s.logs)
	}
	waitLogSays(t, s, "rotation that must follow is pending")
	var outcome string
	var status int
	if err := raw.QueryRow(`SELECT outcome, status FROM audit_log WHERE operation = 'withdraw-patient' ORDER BY seq DESC LIMIT 1`).Scan(&outcome, &status); err != nil {
		t.Fatal(err)
	}
	if outcome != "ok" || status != http.StatusNoContent {
		t.Errorf("audit entry of the withdrawal: %s %d, want ok 204", outcome, status)
	}
	if status, body, _ := s.do(http.MethodDelete, "/api/v1/patients/"+id); status != http.StatusConflict || !strings.Contains(string(body), "already withdrawn") {
		t.Errorf("repeated withdrawal = %d %s, want 409 already withdrawn", status, body)
	}
	s.hangUp(t) // the key check runs on reload: it retries and reports
	waitReadyzSays(t, s, "rotation after a withdrawal is pending")
	return func() {
		if err := os.Rename(away, keyFile); err != nil {
			t.Fatal(err)
		}
	}
}

// waitLogSays waits (bounded) until the server's log holds want: the
// child's output reaches the test through a pipe, after its answers.
func waitLogSays(t *testing.T, s *server, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.logs.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", want, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReadyzSays polls /readyz (bounded) until its answer contains want.
func waitReadyzSays(t *testing.T, s *server, want string) {
	t.Helper()
	var last string
	for range 400 {
		if status, body, err := s.do(http.MethodGet, "/readyz"); err == nil {
			if last = string(body); status == http.StatusServiceUnavailable && strings.Contains(last, want) {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("/readyz never said %q; last: %s\n%s", want, last, s.logs)
}

// TestFailedRotationAfterWithdrawalIsRetried is the reviewer's sequence
// on a real server: key file moved away, SIGHUP, DELETE → 204 with the
// rotation pending; file back + SIGHUP → rotated, the copy of the data
// keys a backup holds from before no longer opens. Then the same with a
// restart instead of SIGHUP.
func TestFailedRotationAfterWithdrawalIsRetried(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			s := d.serve(t)
			ids := s.enrolled(t)
			keyFile, dbURL := d.paths()
			raw := openRaw(t, backend, dbURL)

			backup := backupOfPatientKeys(t, raw)
			restore := s.withdrawKeyFileAway(t, keyFile, raw, ids[0])
			restore()
			s.hangUp(t)
			s.waitReadyz(t, http.StatusOK)
			assertBackupDoesNotOpen(t, keyFile, backup)
			s.readsBack(t, ids[1:])

			backup = backupOfPatientKeys(t, raw)
			restore = s.withdrawKeyFileAway(t, keyFile, raw, ids[1])
			s.stop(t)
			restore()
			s = d.serve(t)
			assertBackupDoesNotOpen(t, keyFile, backup)
			d.settle(t, ids[2:], s)
		})
	}
}

// TestKeyFileWithoutTheVersionInUseRefusesWritesWith503 is review item 7:
// `keys rotate` moves the database to a new version, the previous key
// file (without it) is restored and SIGHUP sent: enrolment and
// withdrawal are 503 with nothing stored; the current file back, writes
// work again.
func TestKeyFileWithoutTheVersionInUseRefusesWritesWith503(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			d := newDeployment(t, backend)
			s := d.serve(t)
			ids := s.enrolled(t)
			keyFile, dbURL := d.paths()
			raw := openRaw(t, backend, dbURL)
			previous, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			d.run(t, "keys", "rotate")
			current, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, previous, 0o600); err != nil {
				t.Fatal(err)
			}
			s.hangUp(t)
			s.waitReadyz(t, http.StatusServiceUnavailable)
			before := countRows(t, raw, "data_keys")
			if status, body := s.enrol(t, 3); status != http.StatusServiceUnavailable || !strings.Contains(string(body), "unavailable") {
				t.Errorf("enrolment without the version in use = %d %s, want 503 unavailable", status, body)
			}
			if status, body, err := s.do(http.MethodDelete, "/api/v1/patients/"+ids[0]); err != nil || status != http.StatusServiceUnavailable {
				t.Errorf("withdrawal without the version in use = %d %v %s, want 503", status, err, body)
			}
			if n := countRows(t, raw, "data_keys"); n != before {
				t.Errorf("data keys: %d after the refused writes, want %d", n, before)
			}
			if err := os.WriteFile(keyFile, current, 0o600); err != nil {
				t.Fatal(err)
			}
			s.hangUp(t)
			s.waitReadyz(t, http.StatusOK)
			if status, body := s.enrol(t, 4); status != http.StatusCreated {
				t.Fatalf("enrolment with the current key file = %d %s", status, body)
			}
			d.settle(t, s.enrolled(t), s)
		})
	}
}
