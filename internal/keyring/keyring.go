package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Keyring wraps and unwraps data keys under the master keys of a source.
// It is safe for concurrent use. It never decides which version is
// current: the database does (keyring_state), and new versions are
// allocated from the source as re-read under its lock (AddVersion).
type Keyring struct {
	src Source

	mu      sync.RWMutex
	keys    MasterKeys
	gen     uint64                // counts loads, so concurrent misses share one re-read
	retired map[uint32]retiredKey // versions that left the source, kept briefly

	reloadMu sync.Mutex    // one re-read of the source at a time
	problems chan struct{} // signalled when a data key does not open
}

// retiredKey is a version that left the source. A reader whose database
// snapshot predates the re-wrap may still need it for a short while.
type retiredKey struct {
	key Key
	at  time.Time
}

// retireGrace bounds how long a destroyed version stays in memory for
// readers holding an older snapshot. It never reaches the disk again.
const retireGrace = 30 * time.Second

// wrapLabel binds wrapped data keys to their purpose.
const wrapLabel = "serenade/data-key"

// New loads the master keys from src.
func New(src Source) (*Keyring, error) {
	keys, err := src.Load()
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	return &Keyring{src: src, keys: keys, retired: map[uint32]retiredKey{}, problems: make(chan struct{}, 1)}, nil
}

// Source returns where the master keys live.
func (r *Keyring) Source() Source { return r.src }

// Problems is signalled (without blocking the reader) when a data key
// could not be opened even after re-reading the source, so that a health
// check can look at once instead of at its next tick.
func (r *Keyring) Problems() <-chan struct{} { return r.problems }

// Reload re-reads the master keys, e.g. on SIGHUP after a rotation.
func (r *Keyring) Reload() error {
	keys, err := r.src.Load()
	if err != nil {
		return fmt.Errorf("reload master key: %w", err)
	}
	r.install(keys)
	return nil
}

// install replaces the loaded keys; versions that left are retired.
func (r *Keyring) install(keys MasterKeys) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for v, k := range r.keys {
		if _, ok := keys[v]; !ok {
			r.retired[v] = retiredKey{key: k, at: now}
		}
	}
	for v, rk := range r.retired {
		if _, ok := keys[v]; ok || now.Sub(rk.at) > retireGrace {
			delete(r.retired, v)
		}
	}
	r.keys = keys
	r.gen++
}

// CurrentVersion is the highest loaded master version (the one a fresh
// database starts with).
func (r *Keyring) CurrentVersion() uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys.Highest()
}

// Versions returns a copy of the loaded master keys.
func (r *Keyring) Versions() MasterKeys {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys.Clone()
}

// WrapUnder wraps a data key under a given master version. A version not
// loaded yet (another process rotated) makes the keyring re-read its source.
func (r *Keyring) WrapUnder(version uint32, dek Key) ([]byte, error) {
	return r.WrapChecked(version, dek, nil)
}

// WrapChecked is WrapUnder that first passes the exact master key it
// would wrap with to verify (when not nil) and wraps nothing if verify
// fails: the caller proves the bytes against the database's check value.
func (r *Keyring) WrapChecked(version uint32, dek Key, verify func(version uint32, mk Key) error) ([]byte, error) {
	mk, err := r.Master(version)
	if err != nil {
		return nil, err
	}
	if verify != nil {
		if err := verify(version, mk); err != nil {
			r.signal()
			return nil, err
		}
	}
	return mk.Seal(wrapLabel, dek[:]), nil
}

// Master returns the loaded key of a version; a version not loaded yet
// (another process rotated) makes the keyring re-read its source.
func (r *Keyring) Master(version uint32) (Key, error) {
	r.mu.RLock()
	mk, ok := r.keys[version]
	gen := r.gen
	r.mu.RUnlock()
	if !ok {
		if err := r.refresh(gen); err != nil {
			return Key{}, err
		}
		r.mu.RLock()
		mk, ok = r.keys[version]
		r.mu.RUnlock()
	}
	if !ok {
		r.signal()
		return Key{}, fmt.Errorf("master key version %d is not in the key source: %w", version, ErrOpen)
	}
	return mk, nil
}

// Unwrap opens a data key wrapped under the given master version. When
// the loaded keys do not open it (another process rotated), the keyring
// re-reads its source once, shared by every reader that missed at the
// same time; a version that has just left the source is still accepted
// for a short while (retireGrace) from memory.
func (r *Keyring) Unwrap(version uint32, wrapped []byte) (Key, error) {
	r.mu.RLock()
	keys, gen := r.keys, r.gen
	r.mu.RUnlock()
	if k, err := keys.Unwrap(version, wrapped); err == nil {
		return k, nil
	}
	if err := r.refresh(gen); err != nil {
		return Key{}, err
	}
	r.mu.RLock()
	keys = r.keys
	old, wasRetired := r.retired[version]
	r.mu.RUnlock()
	k, err := keys.Unwrap(version, wrapped)
	if err != nil && wasRetired && time.Since(old.at) <= retireGrace {
		k, err = unwrapWith(old.key, version, wrapped)
	}
	if err != nil {
		err = goneOr(keys, version, err)
		r.signal()
	}
	return k, err
}

// ErrVersionGone says a data key was read wrapped under a master version
// that the key source, just re-read, no longer holds although it holds a
// later one: a rotation destroyed it. The grace above covers only
// versions this keyring once loaded; a reader whose snapshot predates a
// rotation it never saw (another process rotated twice since this one
// loaded) cannot open that copy at all. The same data key, re-wrapped,
// is in the database now: the caller reads it again on a fresh snapshot
// (store.runTx does). It also wraps ErrOpen.
var ErrVersionGone = errors.New("keyring: the master key version was rotated away since the data key was read")

// goneOr returns ErrVersionGone when version is missing from keys below
// their highest version, else err.
func goneOr(keys MasterKeys, version uint32, err error) error {
	if _, ok := keys[version]; ok || version >= keys.Highest() {
		return err
	}
	return fmt.Errorf("master key version %d is no longer in the key source (it holds up to %d): %w (%w)", version, keys.Highest(), ErrVersionGone, ErrOpen)
}

// refresh re-reads the source unless another caller did since gen.
func (r *Keyring) refresh(gen uint64) error {
	r.reloadMu.Lock()
	defer r.reloadMu.Unlock()
	r.mu.RLock()
	current := r.gen
	r.mu.RUnlock()
	if current != gen {
		return nil
	}
	return r.Reload()
}

func (r *Keyring) signal() {
	select {
	case r.problems <- struct{}{}:
	default:
	}
}

func unwrapWith(mk Key, version uint32, wrapped []byte) (Key, error) {
	raw, err := mk.Open(wrapLabel, wrapped)
	if err != nil || len(raw) != KeySize {
		return Key{}, fmt.Errorf("unwrap data key under master key version %d: %w", version, ErrOpen)
	}
	return Key(raw), nil
}

// Writable reports whether the server can rewrite the source (a key
// file): only then does it rotate the master key itself.
func (r *Keyring) Writable() bool {
	_, err := r.updater()
	return err == nil
}

// updater returns the source as writable, or ErrReadOnlySource.
func (r *Keyring) updater() (Updater, error) {
	u, ok := r.src.(Updater)
	if !ok {
		return nil, ErrReadOnlySource
	}
	return u, nil
}

// AddVersion writes a fresh master key to the source under its lock and
// returns its version: NextVersion of the keys stored there and of the
// versions the caller read from the database (under the database's lock).
// Old versions are kept, so a crash during a rotation loses nothing.
func (r *Keyring) AddVersion(referenced ...uint32) (uint32, error) {
	u, err := r.updater()
	if err != nil {
		return 0, err
	}
	k, err := NewKey()
	if err != nil {
		return 0, err
	}
	var v uint32
	keys, err := u.Update(func(stored MasterKeys) (MasterKeys, error) {
		v = NextVersion(stored, referenced...)
		stored[v] = k
		return stored, nil
	})
	if err != nil {
		return 0, err
	}
	r.install(keys)
	return v, nil
}

// Prune destroys, in the source, every version for which inUse is false,
// after re-reading the source under its lock; a version written by
// another process since this one loaded is judged like any other. It
// never leaves the source empty. Whatever the removed versions wrapped
// (e.g. in an old backup) opens nothing any more.
func (r *Keyring) Prune(inUse func(uint32) bool) error {
	u, err := r.updater()
	if err != nil {
		return err
	}
	keys, err := u.Update(func(stored MasterKeys) (MasterKeys, error) {
		return stored.Retain(inUse), nil
	})
	if err != nil {
		return fmt.Errorf("prune master keys: %w", err)
	}
	r.install(keys)
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
