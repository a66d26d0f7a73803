package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// secondProcess opens the same database and key file with its own
// keyring, as another server or `serenade keys rotate` would.
func secondProcess(t *testing.T, env *storetest.Env) *store.DB {
	t.Helper()
	db, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func enrolMany(t *testing.T, db *store.DB, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		ids[i] = must[domain.Patient](t)(service.New(db).Enrol(doctor(), patientN(t, i+1))).ID
	}
	return ids
}

// assertKeysIntact checks what the issue demands after each scenario:
// every remaining patient reads back through every handle, the key file
// holds one version that opens every data key, and the database opens
// again on the same key file (a restart).
func assertKeysIntact(t *testing.T, env *storetest.Env, remaining []int64, dbs ...*store.DB) {
	t.Helper()
	for _, db := range dbs {
		for _, id := range remaining {
			if _, err := db.Patient(doctor(), id); err != nil {
				t.Fatalf("patient %d does not read back: %v", id, err)
			}
		}
	}
	if err := env.DB.CheckMasterKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile)); len(keys) != 1 {
		t.Errorf("key file holds %d versions after the rotations ended, want 1", len(keys))
	}
	reopened := env.Reopen(t)
	for _, id := range remaining {
		if _, err := reopened.Patient(doctor(), id); err != nil {
			t.Fatalf("after a restart patient %d does not read back: %v", id, err)
		}
	}
}

// TestStaleProcessWithdrawingAfterAnotherRotatedKeepsEveryKey is the
// first example: a rotation by another process, then a withdrawal by a
// process that still remembers the old keys.
func TestStaleProcessWithdrawingAfterAnotherRotatedKeepsEveryKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 4)
		cli := secondProcess(t, env)
		rotated := must[uint32](t)(cli.RotateMasterKey(context.Background()))
		if err := env.Study().Withdraw(doctor(), ids[0]); err != nil {
			t.Fatal(err)
		}
		keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		if v := keys.Highest(); v <= rotated {
			t.Errorf("the withdrawal's rotation used version %d, not above the other process's %d", v, rotated)
		}
		assertKeysIntact(t, env, ids[1:], env.DB, cli)
	})
}

// TestTwoProcessesWithdrawingAtOnceKeepEveryKey is the second example.
func TestTwoProcessesWithdrawingAtOnceKeepEveryKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 6)
		other := secondProcess(t, env)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i, db := range []*store.DB{env.DB, other, env.DB, other} {
			wg.Go(func() { errs[i] = service.New(db).Withdraw(doctor(), ids[i]) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		assertKeysIntact(t, env, ids[4:], env.DB, other)
	})
}

// TestRotationsAndWithdrawalsUnderConcurrentReads is the third example:
// readers on both processes never fail while one rotates and the other
// withdraws (bounded loops: a fixed number of rotations and withdrawals;
// the readers stop when those are done).
func TestRotationsAndWithdrawalsUnderConcurrentReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 8)
		withdrawn, remaining := ids[:3], ids[3:]
		other := secondProcess(t, env)
		stop := make(chan struct{})
		var reads atomic.Int64
		var readErr atomic.Value
		var readers sync.WaitGroup
		for i, db := range []*store.DB{env.DB, other, env.DB, other} {
			readers.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					var err error
					if n%2 == 0 {
						_, err = db.Patient(doctor(), remaining[(n+i)%len(remaining)])
					} else {
						_, err = db.Patients(doctor())
					}
					if err != nil {
						readErr.CompareAndSwap(nil, fmt.Errorf("read %d on reader %d: %w", n, i, err))
					}
					reads.Add(1)
				}
			})
		}
		var writers sync.WaitGroup
		var writeErr atomic.Value
		writers.Go(func() {
			for range 6 {
				if _, err := other.RotateMasterKey(context.Background()); err != nil {
					writeErr.CompareAndSwap(nil, err)
				}
			}
		})
		writers.Go(func() {
			for _, id := range withdrawn {
				if err := env.Study().Withdraw(doctor(), id); err != nil {
					writeErr.CompareAndSwap(nil, err)
				}
			}
		})
		writers.Wait()
		close(stop)
		readers.Wait()
		if err, _ := writeErr.Load().(error); err != nil {
			t.Fatal(err)
		}
		if err, _ := readErr.Load().(error); err != nil {
			t.Fatalf("a read failed during the rotations: %v", err)
		}
		t.Logf("%d reads during 6 rotations and 3 withdrawals, none failed", reads.Load())
		assertKeysIntact(t, env, remaining, env.DB, other)
	})
}

// TestPruneKeepsVersionsInUseAndAboveTheCurrentOne: a version that a
// rotation wrote but did not commit is kept (its number is never handed
// out again) and the next rotation allocates above it.
func TestPruneKeepsVersionsInUseAndAboveTheCurrentOne(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 2)
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		current := must[uint32](t)(kr.AddVersion())
		if err := env.DB.RewrapAll(context.Background(), current); err != nil {
			t.Fatal(err)
		}
		unfinished := must[uint32](t)(kr.AddVersion())
		if err := env.DB.PruneMasterKeys(context.Background()); err != nil {
			t.Fatal(err)
		}
		keys := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		if _, ok := keys[1]; ok || len(keys) != 2 || keys[current] == (keyring.Key{}) || keys[unfinished] == (keyring.Key{}) {
			t.Fatalf("after pruning the file holds %d versions (want %d and %d only)", len(keys), current, unfinished)
		}
		if v := must[uint32](t)(env.DB.RotateMasterKey(context.Background())); v != unfinished+1 {
			t.Errorf("rotation allocated version %d, want %d", v, unfinished+1)
		}
		assertKeysIntact(t, env, ids, env.DB)
	})
}

// TestCheckMasterKeysSaysWhichVersionIsMissing: the readiness check sees
// a version in use that the key file lacks, or holds with other bytes.
func TestCheckMasterKeysSaysWhichVersionIsMissing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		enrolMany(t, env.DB, 2)
		ctx := context.Background()
		good := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		v, _ := good.Current()
		other := must[keyring.Key](t)(keyring.NewKey())
		for name, broken := range map[string]keyring.MasterKeys{
			"version missing":          {v + 1: other},
			"version with other bytes": {v: other},
		} {
			if err := keyring.WriteMasterKeyFile(env.KeyFile, broken); err != nil {
				t.Fatal(err)
			}
			err := env.DB.CheckMasterKeys(ctx)
			if !errors.Is(err, store.ErrMasterKeys) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) {
				t.Errorf("%s: err = %v, want ErrMasterKeys naming version %d", name, err, v)
			}
		}
		if err := keyring.WriteMasterKeyFile(env.KeyFile, good); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.CheckMasterKeys(ctx); err != nil {
			t.Errorf("after restoring the file: %v", err)
		}
	})
}

// TestStaleEnvironmentRotationFailsClosed: two `keys rotate` runs that
// both started from the same SERENADE_MASTER_KEY. The second allocates
// above the first's version, cannot open the data keys the first
// re-wrapped, and changes nothing: the first's printed key still opens
// every patient.
func TestStaleEnvironmentRotationFailsClosed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := enrolMany(t, env.DB, 3)
		env.DB.Close()
		old := must[keyring.MasterKeys](t)(keyring.ReadMasterKeyFile(env.KeyFile))
		first, second := keyring.NewMemorySource(old), keyring.NewMemorySource(old)
		dbs := make([]*store.DB, 2)
		for i, src := range []*keyring.MemorySource{first, second} {
			dbs[i] = must[*store.DB](t)(env.TryOpen(src))
			defer dbs[i].Close()
		}
		v := must[uint32](t)(dbs[0].RotateMasterKey(context.Background()))
		if got, err := dbs[1].RotateMasterKey(context.Background()); err == nil {
			t.Fatalf("the stale rotation succeeded with version %d (the first made %d)", got, v)
		}
		deployed := must[keyring.MasterKeys](t)(first.Load())
		db := must[*store.DB](t)(env.TryOpen(keyring.StaticSource{Keys: deployed}))
		defer db.Close()
		for _, id := range ids {
			if _, err := db.Patient(doctor(), id); err != nil {
				t.Fatalf("patient %d under the first rotation's key: %v", id, err)
			}
		}
	})
}
