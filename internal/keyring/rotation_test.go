package keyring

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// keyFile creates a key file holding version 1 and returns its source.
func keyFile(t *testing.T) FileSource {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.key")
	if _, err := EnsureFile(path); err != nil {
		t.Fatal(err)
	}
	return FileSource{Path: path}
}

func open(t *testing.T, src Source) *Keyring {
	t.Helper()
	r, err := New(src)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func load(t *testing.T, src Source) MasterKeys {
	t.Helper()
	keys, err := src.Load()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestNextVersionIsAboveTheSourceAndTheDatabase(t *testing.T) {
	k, _ := NewKey()
	for _, c := range []struct {
		stored     MasterKeys
		referenced []uint32
		want       uint32
	}{
		{MasterKeys{1: k}, nil, 2},
		{MasterKeys{1: k, 4: k}, []uint32{2}, 5},
		{MasterKeys{3: k}, []uint32{7, 5}, 8}, // the file lost versions the database still names
		{MasterKeys{}, []uint32{0}, 1},
	} {
		if got := NextVersion(c.stored, c.referenced...); got != c.want {
			t.Errorf("NextVersion(%v, %v) = %d, want %d", c.stored, c.referenced, got, c.want)
		}
	}
}

// TestStaleKeyringAllocatesAboveAnotherWriter is the fault of two
// processes that loaded the same file: the second must not reuse the
// version the first just wrote, nor overwrite its key.
func TestStaleKeyringAllocatesAboveAnotherWriter(t *testing.T) {
	src := keyFile(t)
	first, second := open(t, src), open(t, src)
	v1, err := first.AddVersion()
	if err != nil || v1 != 2 {
		t.Fatalf("first AddVersion = %d, %v; want 2", v1, err)
	}
	v2, err := second.AddVersion()
	if err != nil || v2 != 3 {
		t.Fatalf("stale AddVersion = %d, %v; want 3", v2, err)
	}
	stored := load(t, src)
	if len(stored) != 3 || stored[2] != first.Versions()[2] || stored[3] != second.Versions()[3] {
		t.Fatalf("file holds %d versions; version 2 kept: %v", len(stored), stored[2] == first.Versions()[2])
	}
}

func TestAddVersionGoesAboveVersionsTheDatabaseReferences(t *testing.T) {
	src := keyFile(t)
	r := open(t, src)
	v, err := r.AddVersion(5, 3)
	if err != nil || v != 6 {
		t.Fatalf("AddVersion(5, 3) = %d, %v; want 6", v, err)
	}
	if got := load(t, src); len(got) != 2 || got[6] != r.Versions()[6] {
		t.Fatalf("file versions after AddVersion: %v", len(got))
	}
}

func TestUpdateNeverRewritesAVersionNorEmptiesTheSource(t *testing.T) {
	file := keyFile(t)
	for name, src := range map[string]Updater{"file": file, "memory": NewMemorySource(load(t, file))} {
		before := load(t, src)
		other, _ := NewKey()
		_, err := src.Update(func(m MasterKeys) (MasterKeys, error) {
			m[1] = other
			return m, nil
		})
		if !errors.Is(err, ErrVersionRewritten) {
			t.Errorf("%s: rewriting version 1: err = %v, want ErrVersionRewritten", name, err)
		}
		if _, err := src.Update(func(MasterKeys) (MasterKeys, error) { return MasterKeys{}, nil }); err == nil {
			t.Errorf("%s: an update that empties the source was accepted", name)
		}
		if after := load(t, src); len(after) != 1 || after[1] != before[1] {
			t.Errorf("%s: a refused update changed the source", name)
		}
	}
}

// TestConcurrentWritersNeverCollide runs writers with their own
// keyrings (as separate processes would have) on one file.
func TestConcurrentWritersNeverCollide(t *testing.T) {
	src := keyFile(t)
	const writers, each = 6, 4
	var mu sync.Mutex
	written := MasterKeys{}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		r := open(t, src)
		wg.Go(func() {
			for range each {
				v, err := r.AddVersion()
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if _, dup := written[v]; dup {
					errs <- fmt.Errorf("version %d allocated twice", v)
				}
				written[v] = r.Versions()[v]
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stored := load(t, src)
	if len(stored) != writers*each+1 {
		t.Fatalf("file holds %d versions, want %d", len(stored), writers*each+1)
	}
	for v, k := range written {
		if stored[v] != k {
			t.Errorf("version %d in the file is not the key its writer made", v)
		}
	}
}

func TestPruneRereadsTheFileAndKeepsVersionsInUse(t *testing.T) {
	src := keyFile(t)
	stale, writer := open(t, src), open(t, src)
	v, err := writer.AddVersion()
	if err != nil {
		t.Fatal(err)
	}
	// The stale keyring never loaded v, yet must keep it: it is in use.
	if err := stale.Prune(func(u uint32) bool { return u == v }); err != nil {
		t.Fatal(err)
	}
	if got := load(t, src); len(got) != 1 || got[v] != writer.Versions()[v] {
		t.Fatalf("after pruning all but %d the file holds %d versions", v, len(got))
	}
	if err := stale.Prune(func(uint32) bool { return false }); err == nil {
		t.Error("pruning every version was accepted")
	}
	if got := load(t, src); len(got) != 1 {
		t.Error("a refused prune changed the file")
	}
}

// TestReadersPickUpEachRotationAtOnce: a keyring that meets a version it
// has not loaded re-reads the source, also right after a previous re-read.
func TestReadersPickUpEachRotationAtOnce(t *testing.T) {
	src := keyFile(t)
	reader, writer := open(t, src), open(t, src)
	dek, _ := NewKey()
	for range 3 {
		v, err := writer.AddVersion()
		if err != nil {
			t.Fatal(err)
		}
		wrapped, err := writer.WrapUnder(v, dek)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := reader.Unwrap(v, wrapped); err != nil || got != dek {
			t.Fatalf("reader unwrapping version %d: %v", v, err)
		}
		if err := writer.Prune(func(u uint32) bool { return u == v }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRetiredVersionServesOlderSnapshotsOnly: right after a prune, a
// reader that still holds a data key wrapped under the old version opens
// it from memory; a process loading the file afresh cannot.
func TestRetiredVersionServesOlderSnapshotsOnly(t *testing.T) {
	src := keyFile(t)
	r := open(t, src)
	dek, _ := NewKey()
	wrapped, err := r.WrapUnder(1, dek)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.AddVersion()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Prune(func(u uint32) bool { return u == v }); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Unwrap(1, wrapped); err != nil || got != dek {
		t.Errorf("reader with an older snapshot: %v", err)
	}
	if _, err := open(t, src).Unwrap(1, wrapped); !errors.Is(err, ErrOpen) {
		t.Errorf("a fresh keyring opened a destroyed version: %v", err)
	}
}

func TestKeyThatDoesNotOpenSignalsAProblem(t *testing.T) {
	src := keyFile(t)
	r := open(t, src)
	stranger, _ := NewKey()
	dek, _ := NewKey()
	wrapped := stranger.Seal(wrapLabel, dek[:])
	if _, err := r.Unwrap(1, wrapped); !errors.Is(err, ErrOpen) {
		t.Fatalf("err = %v, want ErrOpen", err)
	}
	select {
	case <-r.Problems():
	default:
		t.Error("no problem signalled")
	}
}

// TestAVersionRotatedAwayUnseenIsGoneNotBroken: a keyring that loaded
// version 1 meets a data key wrapped under 2, which another process
// added and then destroyed (the file now holds 3). Nothing in memory can
// open it: the error says the version is gone (the caller reads the data
// key again), and is still a failure to open. A wrong key for a version
// the source holds is not "gone".
func TestAVersionRotatedAwayUnseenIsGoneNotBroken(t *testing.T) {
	src := keyFile(t)
	reader := open(t, src)
	writer := open(t, src)
	dek, _ := NewKey()
	v2 := mustVersion(t)(writer.AddVersion())
	wrapped := mustBytes(t)(writer.WrapUnder(v2, dek))
	v3 := mustVersion(t)(writer.AddVersion())
	if err := writer.Prune(func(v uint32) bool { return v == v3 }); err != nil {
		t.Fatal(err)
	}
	_, err := reader.Unwrap(v2, wrapped)
	if !errors.Is(err, ErrVersionGone) || !errors.Is(err, ErrOpen) {
		t.Fatalf("unwrap under a version rotated away unseen: %v, want ErrVersionGone and ErrOpen", err)
	}
	forged := mustBytes(t)(writer.WrapUnder(v3, dek))
	forged[len(forged)-1] ^= 1
	if _, err := reader.Unwrap(v3, forged); errors.Is(err, ErrVersionGone) || !errors.Is(err, ErrOpen) {
		t.Fatalf("unwrap of a damaged key under a loaded version: %v, want ErrOpen only", err)
	}
}

func mustVersion(t *testing.T) func(uint32, error) uint32 {
	return func(v uint32, err error) uint32 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustBytes(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}
