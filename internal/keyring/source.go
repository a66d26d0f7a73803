package keyring

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"

	"github.com/gofrs/flock"
)

// Source is where master keys live, outside the database.
type Source interface {
	Load() (MasterKeys, error)
}

// Updater is a source Serenade can write (the key file). Update re-reads
// the stored keys under an exclusive lock, hands a copy to fn and stores
// what fn returns, so that a writer never works from a stale copy. It
// refuses a result that is empty or gives an existing version other bytes.
type Updater interface {
	Source
	Update(fn func(stored MasterKeys) (MasterKeys, error)) (MasterKeys, error)
}

// ErrReadOnlySource is returned by sources the server cannot rewrite
// (environment, KMS without key creation).
var ErrReadOnlySource = errors.New("keyring: master key source is read-only")

// FileSource keeps master keys in a 0600 file. Writers take an exclusive
// flock on a lock file beside it (path + ".lock"): the key file itself is
// replaced by rename, so it cannot carry the lock.
type FileSource struct{ Path string }

func (f FileSource) Load() (MasterKeys, error) { return ReadMasterKeyFile(f.Path) }
func (f FileSource) String() string            { return "file " + f.Path }

// Update is read-merge-write under the file lock, then an atomic rename
// and fsync (WriteMasterKeyFile). Nothing is written when fn changes nothing.
func (f FileSource) Update(fn func(MasterKeys) (MasterKeys, error)) (MasterKeys, error) {
	unlock, err := f.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := ReadMasterKeyFile(f.Path)
	if err != nil {
		return nil, err
	}
	next, err := fn(cur.Clone())
	if err != nil {
		return nil, err
	}
	if err := checkWritable(cur, next); err != nil {
		return nil, err
	}
	if maps.Equal(cur, next) {
		return cur, nil
	}
	return next, WriteMasterKeyFile(f.Path, next)
}

func checkWritable(cur, next MasterKeys) error {
	if len(next) == 0 {
		return errors.New("keyring: refusing to write a master key file without keys")
	}
	return checkNoRewrite(cur, next)
}

// lock takes the exclusive lock beside the key file and returns its release.
func (f FileSource) lock() (func(), error) {
	l := flock.New(f.Path+".lock", flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock master key file: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// MemorySource is a writable source that lives only in the process:
// `serenade keys rotate` rotates keys given in the environment through
// it, under the same rules and locks as the key file, and prints the
// result for the operator to deploy.
type MemorySource struct {
	mu   sync.Mutex
	keys MasterKeys
}

// NewMemorySource starts from keys (copied).
func NewMemorySource(keys MasterKeys) *MemorySource {
	return &MemorySource{keys: keys.Clone()}
}

func (m *MemorySource) Load() (MasterKeys, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys.Clone(), nil
}

// Update applies fn under the source's mutex, with the file's rules.
func (m *MemorySource) Update(fn func(MasterKeys) (MasterKeys, error)) (MasterKeys, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(m.keys.Clone())
	if err != nil {
		return nil, err
	}
	if err := checkWritable(m.keys, next); err != nil {
		return nil, err
	}
	m.keys = next.Clone()
	return next, nil
}

// StaticSource holds keys given at start (SERENADE_MASTER_KEY).
type StaticSource struct{ Keys MasterKeys }

func (s StaticSource) Load() (MasterKeys, error) { return s.Keys, nil }
func (s StaticSource) String() string            { return "environment" }

// EnsureFile creates a master key file with one fresh key when none
// exists, as the embedded default does on first start. It holds the file
// lock, so two processes starting together create one key, not two.
func EnsureFile(path string) (created bool, err error) {
	unlock, err := FileSource{Path: path}.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	k, err := NewKey()
	if err != nil {
		return false, err
	}
	return true, WriteMasterKeyFile(path, MasterKeys{1: k})
}
