package store_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/storetest"
)

// seedSensitive enrols patients with documents, messages and home
// notes, and returns every sensitive string it wrote.
func seedSensitive(t *testing.T, db domain.Study) (ids []int64, secrets []string) {
	t.Helper()
	people := []domain.NewPatient{mario(), {
		Identity: domain.Identity{FirstName: "Giuseppina", LastName: "Bellandi", CodiceFiscale: "BLLGPP40A41F205X",
			Address: "Corso Buenos Aires 77, Milano", MedicalNotes: "Falls twice a month; levodopa 100mg.",
			Diagnosis: "Idiopathic Parkinsonism", DiagnosisClass: domain.DiagnosisParkinson},
		Contacts: []domain.Contact{{Alias: "carer Svetlana", Phone: "+39 347 9988776", Email: "svetlana.k@example.it"}},
	}}
	for _, in := range people {
		fixCF(t, &in.Identity)
		p := must[domain.Patient](t)(db.Enrol(doctor(), in))
		ids = append(ids, p.ID)
		inst := must[domain.Installation](t)(db.InstallationOfPatient(doctor(), p.ID))
		hc := domain.HomeContext{HabitNotes: "Watches Rai1 with " + in.Identity.FirstName + "'s husband"}
		must[domain.Installation](t)(db.UpdateHomeContext(installer(), inst.ID, hc, nil))
		must[domain.Document](t)(db.AddDocument(installer(), inst.ID, domain.DocumentOther, "consenso_"+in.Identity.LastName+".txt", []byte("Signed by "+in.Identity.LastName)))
		tk := must[[]domain.Ticket](t)(db.Tickets(installer(), inst.ID))[0]
		must[domain.Message](t)(db.AddMessage(installer(), tk.ID, "Called "+in.Contacts[0].Alias))
		id := in.Identity
		secrets = append(secrets, id.FirstName, id.LastName, id.CodiceFiscale, id.Address, id.MedicalNotes, id.Diagnosis,
			hc.HabitNotes, "consenso_"+id.LastName, "Signed by "+id.LastName, "Called "+in.Contacts[0].Alias)
		for _, c := range in.Contacts {
			secrets = append(secrets, c.Alias, c.Phone, c.Email)
		}
	}
	return ids, secrets
}

// fixCF replaces the test's codice fiscale check character with the
// right one, so fixtures can be written by hand.
func fixCF(t *testing.T, id *domain.Identity) {
	t.Helper()
	if err := domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}); err == nil {
		return
	}
	for c := 'A'; c <= 'Z'; c++ {
		id.CodiceFiscale = id.CodiceFiscale[:15] + string(c)
		if domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}) == nil {
			return
		}
	}
	t.Fatalf("no valid check character for %s", id.CodiceFiscale)
}

func TestNoPlaintextReachesTheDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		_, secrets := seedSensitive(t, env.Study())
		raw := env.RawBytes(t)
		if len(raw) < 1000 {
			t.Fatalf("raw database is only %d bytes: nothing to search", len(raw))
		}
		// One patient's first name may be drawn as another's nickname, or
		// inside it (a pseudonym, kept folded in clear in sort_keys by
		// design): CI once found "giuseppina" as Mario's, and "mario" is in
		// "gianmario". The stored nicknames are masked, longest first, so
		// a secret is still found anywhere else.
		masked := raw
		for _, n := range storedNicknames(t, env) {
			masked = bytes.ReplaceAll(masked, []byte(n), []byte{0})
		}
		for _, s := range secrets {
			for _, form := range []string{s, strings.ToUpper(s), strings.ToLower(s)} {
				if bytes.Contains(masked, []byte(form)) {
					t.Errorf("%q is in the raw %s database", form, env.Backend)
				}
			}
		}
		// The search itself works: a value stored in clear is found.
		if !bytes.Contains(raw, []byte("iit-gennaro")) {
			t.Error("the uploader's username, stored in clear, was not found: the search is broken")
		}
	})
}

// storedNicknames returns the folded nicknames the store keeps in clear
// for ordering lists, every role's, longest first.
func storedNicknames(t *testing.T, env *storetest.Env) []string {
	t.Helper()
	rows, err := env.Raw(t).Query(`SELECT DISTINCT nickname FROM sort_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var nicks []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		nicks = append(nicks, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(nicks) == 0 {
		t.Fatal("no nickname in sort_keys: the masking below would be untested")
	}
	slices.SortFunc(nicks, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return nicks
}

func TestWithdrawalShredsIdentityAlsoFromOldBackups(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids, _ := seedSensitive(t, env.Study())
		backup := env.Backup(t, ids[0])
		oldKeys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))

		// Before the withdrawal, the backup opens with the keys in force.
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		if _, err := kr.Unwrap(backup.Version, backup.Wrapped); err != nil {
			t.Fatalf("the backup should open before the withdrawal: %v", err)
		}

		if err := env.Study().Withdraw(doctor(), ids[0]); err != nil {
			t.Fatal(err)
		}
		p := must[domain.Patient](t)(env.DB.Patient(doctor(), ids[0]))
		if !p.Withdrawn() || p.Identity.CodiceFiscale != "" || p.Identity.MedicalNotes != "" || p.Identity.Diagnosis != "" {
			t.Fatalf("withdrawn patient still has data the kit's retrieval does not need: %+v", p)
		}
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), ids[0]))
		if inst.Context != (domain.HomeContext{}) {
			t.Errorf("home context survived withdrawal: %+v", inst.Context)
		}
		if docs := must[[]domain.Document](t)(env.DB.Documents(doctor(), inst.ID)); len(docs) != 0 {
			t.Errorf("documents survived withdrawal: %+v", docs)
		}

		now := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		for v := range oldKeys {
			if _, still := now[v]; still {
				t.Fatalf("master key version %d survived the withdrawal", v)
			}
		}
		after := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		if _, err := after.Unwrap(backup.Version, backup.Wrapped); err == nil {
			t.Fatal("the pre-withdrawal backup's data key still opens with the keys in force")
		}
		for _, k := range now {
			if _, err := k.Open("serenade/data-key", backup.Wrapped); err == nil {
				t.Fatal("a current master key opens the backup's data key")
			}
		}

		// The other patient is untouched, also after a restart.
		other := must[domain.Patient](t)(env.Reopen(t).Patient(doctor(), ids[1]))
		if other.Identity.LastName != "Bellandi" {
			t.Errorf("other patient = %+v", other.Identity)
		}
		if err := env.Study().Withdraw(doctor(), ids[0]); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("withdrawing twice: err = %v, want conflict", err)
		}
	})
}

func TestSQLiteFileCopiedBeforeWithdrawalRevealsNothing(t *testing.T) {
	env := storetest.Open(t, "sqlite")
	ids, _ := seedSensitive(t, env.Study())
	copyPath := env.URL + ".backup"
	if err := env.DB.BackupTo(context.Background(), copyPath); err != nil {
		t.Fatal(err)
	}
	if err := env.Study().Withdraw(doctor(), ids[0]); err != nil {
		t.Fatal(err)
	}
	old := &storetest.Env{Backend: "sqlite", URL: copyPath, KeyFile: env.KeyFile, Clock: env.Clock}
	db, err := old.TryOpen(keyring.FileSource{Path: env.KeyFile})
	if err == nil {
		p, err := db.Patient(doctor(), ids[0])
		db.Close()
		t.Fatalf("the backup opened with the current key and gave %+v, %v", p.Identity, err)
	}
	if !strings.Contains(err.Error(), "master key") {
		t.Errorf("error should say the master key does not open it: %v", err)
	}
}

func TestWrongMasterKeyFailsLoudlyAtStart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		seedSensitive(t, env.Study())
		env.DB.Close()
		wrong := must[keyring.Key](t)(keyring.NewKey())
		_, err := env.TryOpen(keyring.StaticSource{Keys: keyring.MasterKeys{1: wrong}})
		if !errors.Is(err, keyring.ErrKeyCheck) || !strings.Contains(err.Error(), "wrong or replaced key file") {
			t.Fatalf("err = %v, want a loud master key check error", err)
		}
	})
}

func TestMasterKeyFileMustBePrivate(t *testing.T) {
	env := storetest.Open(t, "sqlite")
	if err := os.Chmod(env.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a refusal of a world-readable key file", err)
	}
}

func TestRotationRewrapsKeysAndDestroysTheOldMaster(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids, _ := seedSensitive(t, env.Study())
		old := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		v := must[uint32](t)(env.DB.RotateMasterKey(context.Background()))
		now := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		if len(now) != 1 || now[v] == (keyring.Key{}) {
			t.Fatalf("key file after rotation holds versions %v, want only %d", now, v)
		}
		if p := must[domain.Patient](t)(env.DB.Patient(doctor(), ids[0])); p.Identity.LastName != "Rossi" {
			t.Errorf("patient after rotation = %+v", p.Identity)
		}
		if p := must[domain.Patient](t)(env.Reopen(t).Patient(doctor(), ids[1])); p.Identity.LastName != "Bellandi" {
			t.Errorf("patient after restart = %+v", p.Identity)
		}
		env.DB.Close()
		if _, err := env.TryOpen(keyring.StaticSource{Keys: old}); err == nil {
			t.Fatal("the old master key still opens the database after rotation")
		}
	})
}

func TestRotationInterruptedByACrashIsFinishedAtStart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids, _ := seedSensitive(t, env.Study())
		// A crash after the new version was written but before the
		// re-wrap committed leaves two versions in the file.
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		v := must[uint32](t)(kr.AddVersion())
		db := env.Reopen(t)
		if p := must[domain.Patient](t)(db.Patient(doctor(), ids[0])); p.Identity.LastName != "Rossi" {
			t.Errorf("patient = %+v", p.Identity)
		}
		keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		if len(keys) != 1 || keys[v] == (keyring.Key{}) {
			t.Errorf("key file holds %d versions after restart, want only version %d", len(keys), v)
		}
	})
}
