package keyring

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MasterKeys is a set of versioned master keys. Which version new data
// keys are wrapped under is decided by the database (keyring_state), not
// by this set; older versions stay only while some data key uses them.
type MasterKeys map[uint32]Key

// Current returns the highest version and its key.
func (m MasterKeys) Current() (uint32, Key) {
	v := m.Highest()
	return v, m[v]
}

// Highest returns the highest version, 0 for an empty set.
func (m MasterKeys) Highest() uint32 {
	var hi uint32
	for v := range m {
		hi = max(hi, v)
	}
	return hi
}

// Clone returns a copy that can be changed without touching m.
func (m MasterKeys) Clone() MasterKeys { return maps.Clone(m) }

// NextVersion is the version a rotation allocates: one above every
// version the key source holds and every version the database references.
// Both must be read under the lock the rotators share; deciding from a
// process's remembered copy is how two rotators picked the same number.
func NextVersion(stored MasterKeys, referenced ...uint32) uint32 {
	hi := stored.Highest()
	for _, v := range referenced {
		hi = max(hi, v)
	}
	return hi + 1
}

// ErrVersionRewritten refuses a write that would give an existing master
// key version other bytes: whatever was wrapped under the old bytes would
// open nothing any more.
var ErrVersionRewritten = errors.New("keyring: a master key version already written is never overwritten")

// checkNoRewrite fails when next holds a version of cur with other bytes.
func checkNoRewrite(cur, next MasterKeys) error {
	for v, k := range next {
		if old, ok := cur[v]; ok && old != k {
			return fmt.Errorf("master key version %d: %w", v, ErrVersionRewritten)
		}
	}
	return nil
}

// Retain returns the versions of m for which inUse is true.
func (m MasterKeys) Retain(inUse func(uint32) bool) MasterKeys {
	out := MasterKeys{}
	for v, k := range m {
		if inUse(v) {
			out[v] = k
		}
	}
	return out
}

// Unwrap opens a data key wrapped under the given version of m.
func (m MasterKeys) Unwrap(version uint32, wrapped []byte) (Key, error) {
	mk, ok := m[version]
	if !ok {
		return Key{}, fmt.Errorf("master key version %d is not loaded: %w", version, ErrOpen)
	}
	return unwrapWith(mk, version, wrapped)
}

// ParseMasterKeys reads the text form: one "<version> <base64 key>" per
// line (blank lines and #-comments ignored). A single bare base64 key is
// version 1, which is the usual form of SERENADE_MASTER_KEY.
func ParseMasterKeys(text string) (MasterKeys, error) {
	keys := MasterKeys{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		version, encoded := "1", s
		if f := strings.Fields(s); len(f) == 2 {
			version, encoded = f[0], f[1]
		}
		v, err := strconv.ParseUint(version, 10, 32)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("master key line %d: bad version %q", line, version)
		}
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("master key line %d: want %d base64-encoded bytes", line, KeySize)
		}
		keys[uint32(v)] = Key(raw)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("master key: no key found")
	}
	return keys, nil
}

// Format returns the text form read by ParseMasterKeys.
func (m MasterKeys) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# Serenade master keys: keep this file secret (mode 0600) and out of database backups.\n")
	for _, v := range slices.Sorted(maps.Keys(m)) {
		k := m[v]
		fmt.Fprintf(&b, "%d %s\n", v, base64.StdEncoding.EncodeToString(k[:]))
	}
	return b.Bytes()
}

// ReadMasterKeyFile reads a master key file, refusing one that others can
// read: a key that leaked through loose permissions protects nothing.
func ReadMasterKeyFile(path string) (MasterKeys, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s has mode %#o: it must not be readable by group or others (chmod 600)", path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMasterKeys(string(data))
}

// WriteMasterKeyFile replaces the file atomically with mode 0600 and
// syncs it, so a crash leaves either the old or the new set of keys.
func WriteMasterKeyFile(path string, m MasterKeys) error {
	return writeSecretFile(path, m.Format())
}

// writeSecretFile replaces path atomically with data, mode 0600: a
// temporary file beside it is written and fsynced, renamed over path,
// and the directory fsynced, so a crash leaves the old or the new file.
func writeSecretFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
