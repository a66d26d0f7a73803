package keyring

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Escrow keys let a database backup be restored after the master key has
// been rotated (every withdrawal rotates it). A backup carries each data
// key wrapped under an escrow key instead of the master key: one random
// 256-bit key per patient data key (a patient has one data key at a time)
// and one for the system keys. The escrow file lives outside the
// database, beside the master key file, and is never part of a backup.
// Destroying a patient's entry (withdrawal, and the shred when the kit is
// back) makes every backup's copy of that patient's data key unopenable.

// EscrowKeys maps an entry name ("system", "data-key-<id>") to its key.
type EscrowKeys map[string]Key

// EscrowSystem is the entry that wraps the system data keys (blind index,
// pseudonyms, token signing) in a backup.
const EscrowSystem = "system"

// EscrowDataKey is the entry that wraps patient data key id in a backup.
func EscrowDataKey(id int64) string { return "data-key-" + strconv.FormatInt(id, 10) }

// escrowLabel binds an escrow-wrapped data key to its entry, so that a
// wrapped key copied to another entry's place does not open.
func escrowLabel(entry string) string { return "serenade/escrow/" + entry }

// WrapEscrow seals data key dek under escrow key k for entry.
func WrapEscrow(k Key, entry string, dek Key) []byte { return k.Seal(escrowLabel(entry), dek[:]) }

// UnwrapEscrow opens what WrapEscrow sealed; anything else is ErrOpen.
func UnwrapEscrow(k Key, entry string, wrapped []byte) (Key, error) {
	raw, err := k.Open(escrowLabel(entry), wrapped)
	if err != nil || len(raw) != KeySize {
		return Key{}, fmt.Errorf("unwrap %s with its escrow key: %w", entry, ErrOpen)
	}
	return Key(raw), nil
}

// EscrowFile keeps escrow keys in a 0600 file, written like the master
// key file (temporary file, fsync, rename, directory fsync) under an
// exclusive flock on path + ".lock". A missing file holds no entries.
type EscrowFile struct{ Path string }

// Load reads the entries; a missing file is an empty set.
func (e EscrowFile) Load() (EscrowKeys, error) {
	info, err := os.Stat(e.Path)
	if errors.Is(err, os.ErrNotExist) {
		return EscrowKeys{}, nil
	}
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("escrow key file %s has mode %#o: it must not be readable by group or others (chmod 600)", e.Path, perm)
	}
	data, err := os.ReadFile(e.Path)
	if err != nil {
		return nil, err
	}
	return ParseEscrowKeys(string(data))
}

// Update re-reads the entries under the file lock, hands a copy to fn and
// writes what fn returns (nothing when unchanged). fn runs while the lock
// is held: a backup takes its database snapshot inside it, so that no
// erasure can run between the snapshot and the entries it creates.
func (e EscrowFile) Update(fn func(stored EscrowKeys) (EscrowKeys, error)) (EscrowKeys, error) {
	l := flock.New(e.Path+".lock", flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock escrow key file: %w", err)
	}
	defer func() { _ = l.Unlock() }()
	cur, err := e.Load()
	if err != nil {
		return nil, err
	}
	next, err := fn(maps.Clone(cur))
	if err != nil {
		return nil, err
	}
	for name, k := range next {
		if old, ok := cur[name]; ok && old != k {
			return nil, fmt.Errorf("escrow entry %s: an escrow key is never overwritten", name)
		}
	}
	if maps.Equal(cur, next) {
		return cur, nil
	}
	return next, writeSecretFile(e.Path, next.Format())
}

// Format is the text form read by ParseEscrowKeys: "<entry> <base64>".
func (m EscrowKeys) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# Serenade escrow keys: they open this database's backups. Keep this file secret (mode 0600),\n")
	b.WriteString("# beside the master key file and out of database backups.\n")
	for _, name := range slices.Sorted(maps.Keys(m)) {
		k := m[name]
		fmt.Fprintf(&b, "%s %s\n", name, base64.StdEncoding.EncodeToString(k[:]))
	}
	return b.Bytes()
}

// ParseEscrowKeys reads the text form (blank lines and #-comments ignored).
func ParseEscrowKeys(text string) (EscrowKeys, error) {
	keys := EscrowKeys{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 2 {
			return nil, fmt.Errorf("escrow key line %d: want \"<entry> <base64 key>\"", line)
		}
		raw, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("escrow key line %d: want %d base64-encoded bytes", line, KeySize)
		}
		keys[f[0]] = Key(raw)
	}
	return keys, nil
}
