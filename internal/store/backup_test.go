package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

// target is an empty database on the test's backend with its own master
// key file (another machine's), restored from a copy of the escrow file.
type target struct {
	cfg     store.Config
	backend string
}

func newTarget(t *testing.T, env *storetest.Env) target {
	t.Helper()
	return target{cfg: newBenchTarget(t, env), backend: env.Backend}
}

// newBenchTarget is newTarget's configuration, for tests and benchmarks.
func newBenchTarget(t testing.TB, env *storetest.Env) store.Config {
	t.Helper()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	escrow := filepath.Join(dir, "escrow.keys")
	if b, err := os.ReadFile(env.Escrow); err == nil {
		if err := os.WriteFile(escrow, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kr, err := keyring.New(keyring.FileSource{Path: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	url := filepath.Join(dir, "restored.db")
	if env.Backend == "postgres" {
		url = pgtest.New(t)
	}
	return store.Config{URL: url, Keyring: kr, Now: env.Clock.Now, Escrow: &keyring.EscrowFile{Path: escrow}}
}

// restore loads backup into the target and opens it.
func (tg target) restore(t *testing.T, backup []byte) (store.RestoreStats, *store.DB) {
	t.Helper()
	st, err := store.Restore(context.Background(), tg.cfg, bytes.NewReader(backup))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	db, err := store.Open(context.Background(), tg.cfg)
	if err != nil {
		t.Fatalf("open the restored database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return st, db
}

func takeBackup(t *testing.T, db *store.DB) ([]byte, store.BackupStats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := db.Backup(context.Background(), &buf)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes(), st
}

// enrolSome enrols n patients with a contact each and returns them.
func enrolSome(t *testing.T, env *storetest.Env, n int) []domain.Patient {
	t.Helper()
	out := make([]domain.Patient, n)
	for i := range n {
		in := storetest.Patient(t, i+1)
		in.Contacts = []domain.Contact{{Alias: "figlia", Phone: "+39 333 000000" + string(rune('0'+i%10))}}
		out[i] = storetest.Must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
	}
	return out
}

func TestBackupRestoresEveryPatientOnANewMachine(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		patients := enrolSome(t, env, 4)
		home := env.SensorHome(t, 40)
		env.Clock.Advance(50 * 24 * time.Hour) // two months: two partitions
		home.Send(t, storetest.Every("kitchen-temp", 3600, home.Start, env.Clock.Now(), nil)...)
		fillAudit(t, env, 30)
		wantAudit, err := env.DB.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		backup, bst := takeBackup(t, env.DB)

		tg := newTarget(t, env)
		st, db := tg.restore(t, backup)
		if st.Erased != 0 || st.Rows != bst.Rows || st.Tables != bst.Tables || st.DataKeys != bst.DataKeys {
			t.Fatalf("restore stats %+v, backup stats %+v: want the same tables, rows and data keys, none erased", st, bst)
		}
		if st.AuditEntries != wantAudit {
			t.Fatalf("audit entries verified after restore = %d, want %d", st.AuditEntries, wantAudit)
		}
		for _, p := range patients {
			got, err := db.Patient(doctor(), p.ID)
			if err != nil {
				t.Fatalf("patient %d after restore: %v", p.ID, err)
			}
			if got.Identity != p.Identity || len(got.Contacts) != 1 || got.Contacts[0].Phone != p.Contacts[0].Phone {
				t.Fatalf("patient %d after restore = %+v, want %+v", p.ID, got, p)
			}
		}
		if db.PseudonymKey() != env.DB.PseudonymKey() || db.SigningSeed() != env.DB.SigningSeed() {
			t.Fatal("the system keys changed in the restore: pseudonyms and tokens would change")
		}
		if got, want := tg.count(t, "readings"), countRows(t, env.Backend, env.URL, "readings"); got != want || want == 0 {
			t.Fatalf("readings after restore = %d, want %d (not 0)", got, want)
		}
		// The restored database takes new work: identities continue.
		fresh := storetest.Must[domain.Patient](t)(service.New(db).Enrol(doctor(), storetest.Patient(t, 99)))
		if fresh.ID <= patients[len(patients)-1].ID {
			t.Fatalf("a patient enrolled after restore got id %d, not above the restored ones", fresh.ID)
		}
		if _, err := db.RotateMasterKey(ctx); err != nil {
			t.Fatalf("rotate after restore: %v", err)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPatientWithdrawnAfterTheBackupStaysUnreadable(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		patients := enrolSome(t, env, 2)
		home := env.SensorHome(t, 50) // its data collection has started
		gone := storetest.Must[domain.Patient](t)(env.Study().Patient(doctor(), home.Patient))
		keyID := dataKeyID(t, env, gone.ID)
		backup, _ := takeBackup(t, env.DB)
		if !escrowHas(t, env.Escrow, keyring.EscrowDataKey(keyID)) {
			t.Fatal("the backup created no escrow entry for the patient's data key")
		}
		if err := env.Study().Withdraw(doctor(), gone.ID); err != nil {
			t.Fatal(err)
		}
		if escrowHas(t, env.Escrow, keyring.EscrowDataKey(keyID)) {
			t.Fatal("the withdrawal left the patient's escrow entry in the escrow file")
		}
		if n, err := env.DB.EscrowErasuresDue(ctx); err != nil || n != 0 {
			t.Fatalf("escrow erasures due = %d (err %v), want 0", n, err)
		}

		tg := newTarget(t, env)
		st, db := tg.restore(t, backup)
		if st.Erased != 1 {
			t.Fatalf("restore erased %d patients, want 1", st.Erased)
		}
		got, err := db.Patient(doctor(), gone.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Withdrawn() || got.Identity != (domain.Identity{}) || len(got.Contacts) != 0 {
			t.Fatalf("the patient withdrawn after the backup reads back as %+v, want withdrawn with nothing of the identity", got)
		}
		inst, err := service.New(db).InstallationOfPatient(doctor(), gone.ID)
		if err != nil || inst.Status != domain.StatusInactive || inst.CollectionEnd == nil {
			t.Fatalf("installation of the erased patient: status %s, collection end %v, err %v; want inactive, ended", inst.Status, inst.CollectionEnd, err)
		}
		if n := tg.count(t, "data_keys WHERE master_version = 0"); n != 0 {
			t.Fatalf("%d data keys are left escrow-wrapped after restore", n)
		}
		for _, p := range patients {
			if got, err := db.Patient(doctor(), p.ID); err != nil || got.Identity != p.Identity {
				t.Fatalf("patient %d after restore: %+v, %v", p.ID, got.Identity, err)
			}
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBackupHoldsNoMasterNorEscrowKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		enrolSome(t, env, 2)
		backup, _ := takeBackup(t, env.DB)
		zr, err := gzip.NewReader(bytes.NewReader(backup))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		masters, err := keyring.ReadMasterKeyFile(env.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		escrow, err := keyring.EscrowFile{Path: env.Escrow}.Load()
		if err != nil || len(escrow) != 3 { // system + two patients
			t.Fatalf("escrow entries = %d (err %v), want 3", len(escrow), err)
		}
		secrets := map[string]keyring.Key{"pseudonym key": env.DB.PseudonymKey(), "signing seed": env.DB.SigningSeed()}
		for v, k := range masters {
			secrets["master key "+string(rune('0'+v))] = k
		}
		for name, k := range escrow {
			secrets["escrow key "+name] = k
		}
		for name, k := range secrets {
			for _, form := range [][]byte{k[:], []byte(base64.StdEncoding.EncodeToString(k[:])), []byte(base64.RawURLEncoding.EncodeToString(k[:]))} {
				if bytes.Contains(plain, form) || bytes.Contains(backup, form) {
					t.Fatalf("the backup contains the %s", name)
				}
			}
		}
		if !bytes.Contains(plain, []byte(`"format":"serenade-backup"`)) || !bytes.Contains(plain, []byte(`"backend":"`+env.Backend+`"`)) {
			t.Fatalf("the backup does not describe itself: %.200s", plain)
		}
	})
}

func TestRestoreRefusesADatabaseInUse(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		enrolSome(t, env, 1)
		backup, _ := takeBackup(t, env.DB)
		tg := newTarget(t, env)
		// The source itself, and a new database a server has opened once.
		inUse := tg.cfg
		inUse.URL = env.URL
		opened := tg.cfg
		if _, db := tg.restore(t, backup); db == nil {
			t.Fatal("no database")
		}
		for name, cfg := range map[string]store.Config{"the source database": inUse, "a restored database": opened} {
			_, err := store.Restore(ctx, cfg, bytes.NewReader(backup))
			if domain.KindOf(err) != domain.KindConflict {
				t.Fatalf("restore into %s: err = %v, want a conflict", name, err)
			}
		}
		// Something that is not a whole backup is refused too.
		fresh := newTarget(t, env)
		if _, err := store.Restore(ctx, fresh.cfg, bytes.NewReader(backup[:len(backup)/2])); err == nil {
			t.Fatal("restore of half a backup succeeded")
		}
	})
}

// TestBackupWhileWritesRun backs up while enrolments (each a patient, its
// installation and its ticket in one transaction) and withdrawals run: every
// restored patient has its whole workflow, and the audit chain verifies.
func TestBackupWhileWritesRun(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		enrolSome(t, env, 3)
		fillAudit(t, env, 10)
		done := make(chan error, 1)
		go func() {
			var err error
			for i := range 40 {
				if _, err = env.Study().Enrol(doctor(), storetest.Patient(t, 100+i)); err != nil {
					break
				}
			}
			done <- err
		}()
		var backups [][]byte
		for range 3 {
			b, _ := takeBackup(t, env.DB)
			backups = append(backups, b)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for i, b := range backups {
			tg := newTarget(t, env)
			_, db := tg.restore(t, b)
			patients := tg.count(t, "patients")
			for _, q := range []string{"installations", "tickets WHERE category = 'installation'"} {
				if n := tg.count(t, q); n != patients {
					t.Fatalf("backup %d: %d patients but %d %s: a workflow is half in it", i, patients, n, q)
				}
			}
			if _, err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("backup %d: %v", i, err)
			}
		}
	})
}

func dataKeyID(t *testing.T, env *storetest.Env, patient int64) int64 {
	t.Helper()
	var id int64
	if err := env.Raw(t).QueryRow(`SELECT data_key_id FROM patients WHERE id = $1`, patient).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func escrowHas(t *testing.T, path, entry string) bool {
	t.Helper()
	keys, err := keyring.EscrowFile{Path: path}.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, ok := keys[entry]
	return ok
}

// countRows counts the rows of a table (with an optional WHERE) straight
// from a database, below the store.
func countRows(t *testing.T, backend, url, from string) int64 {
	t.Helper()
	driver := "sqlite"
	if backend == "postgres" {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int64
	if err := raw.QueryRow(`SELECT COUNT(*) FROM ` + from).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (tg target) count(t *testing.T, from string) int64 {
	return countRows(t, tg.backend, tg.cfg.URL, from)
}

// TestWithdrawalDuringABackup withdraws a patient while a backup runs:
// after the backup's snapshot (it is already writing) and before it ends.
// The backup holds the patient as before the withdrawal, but the
// withdrawal's erasure removed the escrow entry the backup created, so
// the restore erases that patient.
func TestWithdrawalDuringABackup(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		patients := enrolSome(t, env, 2)
		keyID := dataKeyID(t, env, patients[0].ID)
		pr, pw := io.Pipe()
		errc := make(chan error, 1)
		go func() {
			_, err := env.DB.Backup(context.Background(), pw)
			pw.CloseWithError(err)
			errc <- err
		}()
		first := make([]byte, 1)
		if _, err := io.ReadFull(pr, first); err != nil { // the backup is writing: its snapshot is taken
			t.Fatal(err)
		}
		if !escrowHas(t, env.Escrow, keyring.EscrowDataKey(keyID)) {
			t.Fatal("the running backup has no escrow entry for the patient")
		}
		if err := env.Study().Withdraw(doctor(), patients[0].ID); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(pr)
		if err != nil || <-errc != nil {
			t.Fatalf("backup: %v", err)
		}
		st, db := newTarget(t, env).restore(t, append(first, rest...))
		if st.Erased != 1 {
			t.Fatalf("restore erased %d patients, want 1", st.Erased)
		}
		if got, err := db.Patient(doctor(), patients[0].ID); err != nil || !got.Withdrawn() || got.Identity != (domain.Identity{}) {
			t.Fatalf("the patient withdrawn during the backup: %+v, %v", got.Identity, err)
		}
		if got, err := db.Patient(doctor(), patients[1].ID); err != nil || got.Identity != patients[1].Identity {
			t.Fatalf("the other patient: %+v, %v", got.Identity, err)
		}
	})
}
