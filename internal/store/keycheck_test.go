package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// countDataKeys counts the wrapped data keys, below the store.
func countDataKeys(t *testing.T, env *storetest.Env) int {
	t.Helper()
	var n int
	if err := env.Raw(t).QueryRow(`SELECT COUNT(*) FROM data_keys`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWrongKeyFileWithTheRightVersionWrapsNothing reproduces an operator
// restoring the wrong key file: same version number, other bytes, then a
// reload. Enrolment and withdrawal are refused with keyring.ErrKeyCheck
// and no data key is written or destroyed; readiness names the version;
// a restart is refused with a clear message; the audit trail verifies
// without any key. With the right file back, everything reads, writes
// work, rotation works, and the server restarts.
func TestWrongKeyFileWithTheRightVersionWrapsNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		ids := enrolMany(t, env.DB, 3)
		good := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		v, _ := good.Current()
		wrong := keyring.MasterKeys{v: must[keyring.Key](t)(keyring.NewKey())}
		if err := keyring.WriteMasterKeyFile(env.KeyFile, wrong); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.ReloadKeys(); err != nil {
			t.Fatal(err)
		}
		before := countDataKeys(t, env)

		if _, err := env.Study().Enrol(doctor(), patientN(t, 10)); !errors.Is(err, keyring.ErrKeyCheck) {
			t.Errorf("enrolment under the wrong key: err = %v, want ErrKeyCheck", err)
		}
		if err := env.Study().Withdraw(doctor(), ids[0]); !errors.Is(err, keyring.ErrKeyCheck) {
			t.Errorf("withdrawal under the wrong key: err = %v, want ErrKeyCheck", err)
		}
		if n := countDataKeys(t, env); n != before {
			t.Errorf("data keys: %d after the refused writes, want %d", n, before)
		}
		err := env.DB.CheckMasterKeys(ctx)
		if !errors.Is(err, store.ErrMasterKeys) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) {
			t.Errorf("readiness: err = %v, want ErrMasterKeys naming version %d", err, v)
		}
		if db, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile}); !errors.Is(err, keyring.ErrKeyCheck) {
			if db != nil {
				db.Close()
			}
			t.Errorf("restart under the wrong key: err = %v, want ErrKeyCheck", err)
		}
		if _, err := env.DB.RotateMasterKey(ctx); !errors.Is(err, keyring.ErrKeyCheck) {
			t.Errorf("rotation under the wrong key: err = %v, want ErrKeyCheck", err)
		}
		if keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile)); len(keys) != 1 {
			t.Errorf("the refused rotation left %d versions in the key file, want 1", len(keys))
		}
		assertAuditVerifies(t, env)

		if err := keyring.WriteMasterKeyFile(env.KeyFile, good); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.ReloadKeys(); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, must[int64](t)(enrolID(t, env.DB, 11)))
		if err := env.Study().Withdraw(doctor(), ids[0]); err != nil {
			t.Fatalf("withdrawal with the right key: %v", err)
		}
		assertKeysIntact(t, env, ids[1:], env.DB)
		assertAuditVerifies(t, env)
	})
}

// TestExistingDatabaseAdoptsItsKeyCheck: a database written before check
// values existed gets one at the first start with a key that opens its
// data keys, and a wrong key is then refused like on a new database.
func TestExistingDatabaseAdoptsItsKeyCheck(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 2)
		if _, err := env.Raw(t).Exec(`DELETE FROM master_key_checks`); err != nil {
			t.Fatal(err)
		}
		good := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		v, _ := good.Current()
		wrong := keyring.MasterKeys{v: must[keyring.Key](t)(keyring.NewKey())}
		if db, err := env.TryOpen(keyring.StaticSource{Keys: wrong}); err == nil {
			db.Close()
			t.Fatal("a key that opens no data key was adopted")
		}
		if n := countChecks(t, env); n != 0 {
			t.Fatalf("%d check values stored by the refused start, want 0", n)
		}
		db := env.Reopen(t)
		if n := countChecks(t, env); n != 1 {
			t.Fatalf("%d check values after the start with the right key, want 1", n)
		}
		assertKeysIntact(t, env, ids, db)
		if _, err := env.TryOpen(keyring.StaticSource{Keys: wrong}); !errors.Is(err, keyring.ErrKeyCheck) {
			t.Errorf("wrong key after adoption: err = %v, want ErrKeyCheck", err)
		}
	})
}

func countChecks(t *testing.T, env *storetest.Env) int {
	t.Helper()
	var n int
	if err := env.Raw(t).QueryRow(`SELECT COUNT(*) FROM master_key_checks`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func enrolID(t *testing.T, db *store.DB, n int) (int64, error) {
	p, err := service.New(db).Enrol(doctor(), patientN(t, n))
	return p.ID, err
}

// assertAuditVerifies verifies the trail through a handle that holds no
// master key at all.
func assertAuditVerifies(t *testing.T, env *storetest.Env) {
	t.Helper()
	trail, err := store.OpenAuditTrail(context.Background(), store.Config{URL: env.URL, Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer trail.Close()
	if _, err := trail.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit verify: %v", err)
	}
}
