package store_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// wrappedKeyOf returns a patient's data key as a backup of the database
// holds it: the master version and the wrapped bytes.
func wrappedKeyOf(t *testing.T, env *storetest.Env, patient int64) (uint32, []byte) {
	t.Helper()
	var v uint32
	var w []byte
	err := env.Raw(t).QueryRow(`SELECT k.master_version, k.wrapped FROM data_keys k JOIN patients p ON p.data_key_id = k.id WHERE p.id = $1`,
		patient).Scan(&v, &w)
	if err != nil {
		t.Fatal(err)
	}
	return v, w
}

// withdrawWithKeyFileAway is the reviewer's sequence up to the
// withdrawal: the key file is moved away and reloaded (which fails and
// keeps the loaded keys), then a patient withdraws. The withdrawal takes
// effect, the rotation cannot run: domain.ErrRotationPending, recorded.
func withdrawWithKeyFileAway(t *testing.T, env *storetest.Env, patient int64) (restore func()) {
	t.Helper()
	ctx := context.Background()
	away := env.KeyFile + ".away"
	if err := os.Rename(env.KeyFile, away); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.ReloadKeys(); err == nil {
		t.Fatal("reloading a missing key file succeeded")
	}
	if err := env.Study().Withdraw(doctor(), patient); !errors.Is(err, domain.ErrRotationPending) {
		t.Fatalf("withdrawal with the key file away: err = %v, want ErrRotationPending", err)
	}
	if p, err := env.DB.Patient(doctor(), patient); err != nil || !p.Withdrawn() {
		t.Fatalf("the withdrawal did not take effect: withdrawn = %v, err = %v", p.Withdrawn(), err)
	}
	wantConflict(t, env.Study().Withdraw(doctor(), patient), "a repeated withdrawal")
	if due, err := env.DB.RotationDue(ctx); err != nil || !due {
		t.Fatalf("rotation due = %v (err %v), want true", due, err)
	}
	if due, err := env.DB.RotateIfDue(ctx); !due || !errors.Is(err, domain.ErrRotationPending) {
		t.Fatalf("retry with the key file still away: due = %v, err = %v; want still due, ErrRotationPending", due, err)
	}
	return func() {
		if err := os.Rename(away, env.KeyFile); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFailedRotationAfterWithdrawalIsRetried: a rotation that fails
// after a withdrawal is recorded with the shred and carried out by the
// next reload, the next write that wraps a key, or the next start; then
// the copy of the withdrawn patient's data key that a backup taken before
// holds no longer opens with the key file, and nothing is due.
func TestFailedRotationAfterWithdrawalIsRetried(t *testing.T) {
	retries := map[string]func(t *testing.T, env *storetest.Env) *store.DB{
		"reload": func(t *testing.T, env *storetest.Env) *store.DB {
			if err := env.DB.ReloadKeys(); err != nil {
				t.Fatal(err)
			}
			if due, err := env.DB.RotateIfDue(context.Background()); due || err != nil {
				t.Fatalf("retry after the key file is back: due = %v, err = %v", due, err)
			}
			return env.DB
		},
		"next enrolment": func(t *testing.T, env *storetest.Env) *store.DB {
			if err := env.DB.ReloadKeys(); err != nil {
				t.Fatal(err)
			}
			enrolMany(t, env.DB, 1)
			return env.DB
		},
		"restart": func(t *testing.T, env *storetest.Env) *store.DB {
			return env.Reopen(t)
		},
	}
	for name, retry := range retries {
		t.Run(name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
				ctx := context.Background()
				ids := enrolMany(t, env.DB, 3)
				oldV, oldWrapped := wrappedKeyOf(t, env, ids[0])
				restore := withdrawWithKeyFileAway(t, env, ids[0])
				restore()
				db := retry(t, env)
				if due, err := db.RotationDue(ctx); err != nil || due {
					t.Fatalf("rotation due = %v (err %v) after the retry, want false", due, err)
				}
				keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
				if _, ok := keys[oldV]; ok {
					t.Errorf("the key file still holds master version %d, in use before the withdrawal", oldV)
				}
				if _, err := keys.Unwrap(oldV, oldWrapped); err == nil {
					t.Error("the withdrawn patient's data key, as a backup holds it, still opens")
				}
				assertKeysIntact(t, env, ids[1:], db)
				assertAuditVerifies(t, env)
			})
		})
	}
}

// TestMasterVersionMissingFromTheKeySourceIsAKeyCheckFailure is review
// item 7: the database moved to a new version, the previous key file
// (without it) is restored and reloaded; an enrolment must fail as
// keyring.ErrKeyCheck (answered 503), with nothing stored.
func TestMasterVersionMissingFromTheKeySourceIsAKeyCheckFailure(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		enrolMany(t, env.DB, 2)
		previous, err := os.ReadFile(env.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.RotateMasterKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(env.KeyFile, previous, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.ReloadKeys(); err != nil {
			t.Fatal(err)
		}
		before := countDataKeys(t, env)
		if _, err := env.Study().Enrol(doctor(), patientN(t, 5)); !errors.Is(err, keyring.ErrKeyCheck) {
			t.Errorf("enrolment without the version in use: err = %v, want ErrKeyCheck", err)
		}
		if n := countDataKeys(t, env); n != before {
			t.Errorf("data keys: %d after the refused enrolment, want %d", n, before)
		}
	})
}
