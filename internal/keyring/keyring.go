package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Source is where master keys live, outside the database.
type Source interface {
	Load() (MasterKeys, error)
	// Store replaces the stored keys; sources that cannot be written
	// (environment, KMS without key creation) return ErrReadOnlySource.
	Store(MasterKeys) error
}

// ErrReadOnlySource is returned by sources the server cannot rewrite.
var ErrReadOnlySource = errors.New("keyring: master key source is read-only")

// FileSource keeps master keys in a 0600 file.
type FileSource struct{ Path string }

func (f FileSource) Load() (MasterKeys, error)   { return ReadMasterKeyFile(f.Path) }
func (f FileSource) Store(m MasterKeys) error    { return WriteMasterKeyFile(f.Path, m) }
func (f FileSource) String() string              { return "file " + f.Path }
func (s StaticSource) Load() (MasterKeys, error) { return s.Keys, nil }
func (s StaticSource) Store(MasterKeys) error    { return ErrReadOnlySource }
func (s StaticSource) String() string            { return "environment" }

// StaticSource holds keys given at start (SERENADE_MASTER_KEY).
type StaticSource struct{ Keys MasterKeys }

// EnsureFile creates a master key file with one fresh key when none
// exists, as the embedded default does on first start.
func EnsureFile(path string) (created bool, err error) {
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

// Keyring wraps and unwraps data keys under the master keys of a source.
// It is safe for concurrent use.
type Keyring struct {
	src Source

	mu         sync.RWMutex
	keys       MasterKeys
	lastReload time.Time // of the last reload caused by an unknown version
}

// reloadEvery bounds how often an unknown master version triggers a
// re-read of the source (a rotation done by another process).
const reloadEvery = time.Second

// wrapLabel binds wrapped data keys to their purpose.
const wrapLabel = "serenade/data-key"

// New loads the master keys from src.
func New(src Source) (*Keyring, error) {
	keys, err := src.Load()
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	return &Keyring{src: src, keys: keys}, nil
}

// Source returns where the master keys live.
func (r *Keyring) Source() Source { return r.src }

// Reload re-reads the master keys, e.g. on SIGHUP after a rotation.
func (r *Keyring) Reload() error {
	keys, err := r.src.Load()
	if err != nil {
		return fmt.Errorf("reload master key: %w", err)
	}
	r.mu.Lock()
	r.keys, r.lastReload = keys, time.Now()
	r.mu.Unlock()
	return nil
}

// CurrentVersion is the master version new data keys are wrapped under.
func (r *Keyring) CurrentVersion() uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, _ := r.keys.Current()
	return v
}

// Versions returns a copy of the loaded master keys.
func (r *Keyring) Versions() MasterKeys {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(MasterKeys, len(r.keys))
	for v, k := range r.keys {
		out[v] = k
	}
	return out
}

// WrapUnder wraps a data key under a given master version.
func (r *Keyring) WrapUnder(version uint32, dek Key) ([]byte, error) {
	mk, err := r.master(version)
	if err != nil {
		return nil, err
	}
	return mk.Seal(wrapLabel, dek[:]), nil
}

// Unwrap opens a data key wrapped under the given master version. An
// unknown version makes the keyring re-read its source (at a bounded
// rate), so a rotation done by `serenade keys rotate` is picked up.
func (r *Keyring) Unwrap(version uint32, wrapped []byte) (Key, error) {
	var dek Key
	mk, err := r.master(version)
	if err != nil {
		return dek, err
	}
	raw, err := mk.Open(wrapLabel, wrapped)
	if err != nil || len(raw) != KeySize {
		return dek, fmt.Errorf("unwrap data key under master key version %d: %w", version, ErrOpen)
	}
	return Key(raw), nil
}

func (r *Keyring) master(version uint32) (Key, error) {
	r.mu.RLock()
	k, ok := r.keys[version]
	stale := time.Since(r.lastReload) > reloadEvery
	r.mu.RUnlock()
	if ok {
		return k, nil
	}
	if stale {
		if err := r.Reload(); err != nil {
			return Key{}, err
		}
		r.mu.RLock()
		k, ok = r.keys[version]
		r.mu.RUnlock()
		if ok {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("master key version %d is not loaded: %w", version, ErrOpen)
}

// AddVersion creates a new current master key and stores the set (old
// versions kept) so that a crash during a rotation loses nothing.
func (r *Keyring) AddVersion() (uint32, error) {
	k, err := NewKey()
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, _ := r.keys.Current()
	next := make(MasterKeys, len(r.keys)+1)
	for v, old := range r.keys {
		next[v] = old
	}
	next[cur+1] = k
	if err := r.src.Store(next); err != nil {
		return 0, err
	}
	r.keys = next
	return cur + 1, nil
}

// Prune keeps only the given version and stores the set: the other
// versions are destroyed, so whatever they wrapped (e.g. in an old
// backup) opens nothing any more.
func (r *Keyring) Prune(keep uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.keys[keep]
	if !ok {
		return fmt.Errorf("prune: master key version %d is not loaded", keep)
	}
	next := MasterKeys{keep: k}
	if err := r.src.Store(next); err != nil {
		return err
	}
	r.keys = next
	return nil
}

// BlindIndex is a keyed hash for exact-match lookup and uniqueness of a
// value without storing it (e.g. the codice fiscale).
func BlindIndex(key Key, purpose, value string) []byte {
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
