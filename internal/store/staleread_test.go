package store_test

import (
	"context"
	"sync"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// interposingSource is the key file as a reader's keyring sees it, with
// one step run at the moment that keyring next re-reads it: what another
// process does between the reader's snapshot and its unwrap. The keys it
// returns are the file's, read after that step.
type interposingSource struct {
	keyring.FileSource
	mu     sync.Mutex
	step   func()
	fired  bool
	failed error
}

// arm sets the step the next Load runs first (once).
func (s *interposingSource) arm(step func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step = func() { s.failed = step() }
}

func (s *interposingSource) Load() (keyring.MasterKeys, error) {
	s.mu.Lock()
	step := s.step
	s.step = nil
	s.mu.Unlock()
	if step != nil {
		step()
		s.mu.Lock()
		s.fired = true
		s.mu.Unlock()
	}
	return s.FileSource.Load()
}

// ran fails the test unless the step ran, and ran without error: a
// test whose interleaving did not happen proves nothing.
func (s *interposingSource) ran(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fired {
		t.Fatal("the reader's keyring never re-read the key source: the interleaving did not happen")
	}
	if s.failed != nil {
		t.Fatal(s.failed)
	}
}

// staleReader opens the database a second time on an interposing source.
func staleReader(t *testing.T, env *storetest.Env) (*store.DB, *interposingSource) {
	t.Helper()
	src := &interposingSource{FileSource: keyring.FileSource{Path: env.KeyFile}}
	db, err := env.TryOpen(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, src
}

// TestReadSurvivesTwoRotationsBetweenSnapshotAndUnwrap is the interleaving
// of the flaky concurrent test, made deterministic: the reader's keyring
// has loaded version 1 only; another process rotates to 2; the reader's
// snapshot holds a data key wrapped under 2, and before it unwraps it the
// other process rotates to 3 and destroys 2. The reader never held 2, so
// no retired-key grace can help: the read must be retried on a fresh
// snapshot, where the same data key is wrapped under 3.
func TestReadSurvivesTwoRotationsBetweenSnapshotAndUnwrap(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		ids := enrolMany(t, env.DB, 3)
		want := must[domain.Patient](t)(env.DB.Patient(doctor(), ids[1]))
		reader, src := staleReader(t, env)
		rotator := secondProcess(t, env)
		must[uint32](t)(rotator.RotateMasterKey(ctx))
		src.arm(func() error { _, err := rotator.RotateMasterKey(ctx); return err })
		got, err := reader.Patient(doctor(), ids[1])
		src.ran(t)
		if err != nil {
			t.Fatalf("a read whose snapshot predates two rotations failed: %v", err)
		}
		if got.Identity.CodiceFiscale != want.Identity.CodiceFiscale || got.Identity.LastName != want.Identity.LastName {
			t.Fatalf("read back %+v, want %+v", got.Identity, want.Identity)
		}
		assertKeysIntact(t, env, ids, reader, rotator)
	})
}

// TestListSurvivesAWithdrawalAndItsRotationBetweenSnapshotAndUnwrap: the
// same kind, with the second rotation being the one a withdrawal does
// (its data key destroyed, then the master version it was wrapped under):
// the list is read again on a fresh snapshot, where the patient is
// withdrawn and every other patient still reads back.
func TestListSurvivesAWithdrawalAndItsRotationBetweenSnapshotAndUnwrap(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		ids := enrolMany(t, env.DB, 3)
		reader, src := staleReader(t, env)
		other := secondProcess(t, env)
		must[uint32](t)(other.RotateMasterKey(ctx))
		src.arm(func() error { return service.New(other).Withdraw(doctor(), ids[0]) })
		list, err := reader.Patients(doctor())
		src.ran(t)
		if err != nil {
			t.Fatalf("a list whose snapshot predates a withdrawal's rotation failed: %v", err)
		}
		withdrawn := 0
		for _, p := range list {
			if p.WithdrawnAt != nil {
				withdrawn++
				if p.ID != ids[0] {
					t.Errorf("patient %d listed as withdrawn, want only %d", p.ID, ids[0])
				}
			}
		}
		if len(list) != len(ids) || withdrawn != 1 {
			t.Fatalf("listed %d patients, %d withdrawn; want %d and 1 (the fresh snapshot)", len(list), withdrawn, len(ids))
		}
		assertKeysIntact(t, env, ids[1:], reader, other)
	})
}
