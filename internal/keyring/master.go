package keyring

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MasterKeys is a set of versioned master keys. The highest version is
// current: new data keys are wrapped under it. Older versions exist only
// while a rotation is in progress.
type MasterKeys map[uint32]Key

// Current returns the highest version and its key.
func (m MasterKeys) Current() (uint32, Key) {
	v := slices.Max(slices.Collect(maps.Keys(m)))
	return v, m[v]
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
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".master-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(m.Format()); err != nil {
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
