package keyring

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The escrow file: missing is empty; written 0600 and read back; an entry
// is never overwritten; a file others can read is refused; a deletion
// persists.
func TestEscrowFileKeepsEntries(t *testing.T) {
	f := EscrowFile{Path: filepath.Join(t.TempDir(), "escrow.keys")}
	keys, err := f.Load()
	if err != nil || len(keys) != 0 {
		t.Fatalf("missing file: %v, %v; want empty", keys, err)
	}
	a, b := mustKey(t), mustKey(t)
	if _, err := f.Update(func(m EscrowKeys) (EscrowKeys, error) {
		m[EscrowSystem], m[EscrowDataKey(7)] = a, b
		return m, nil
	}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(f.Path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("escrow file mode: %v, %v; want 0600", info.Mode(), err)
	}
	keys, err = f.Load()
	if err != nil || keys[EscrowSystem] != a || keys[EscrowDataKey(7)] != b {
		t.Fatalf("read back %v, %v", keys, err)
	}
	if _, err := f.Update(func(m EscrowKeys) (EscrowKeys, error) {
		m[EscrowDataKey(7)] = a
		return m, nil
	}); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Fatalf("overwriting an entry: %v, want a refusal", err)
	}
	if _, err := f.Update(func(m EscrowKeys) (EscrowKeys, error) {
		delete(m, EscrowDataKey(7))
		return m, nil
	}); err != nil {
		t.Fatal(err)
	}
	if keys, _ = f.Load(); len(keys) != 1 || keys[EscrowSystem] != a {
		t.Fatalf("after deleting data-key-7: %v", keys)
	}
	if err := os.Chmod(f.Path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a group-readable escrow file: %v, want a refusal", err)
	}
}

// A data key wrapped for one entry opens only with that entry's key and
// name; anything cut or flipped is ErrOpen.
func TestEscrowWrapIsBoundToItsEntry(t *testing.T) {
	k, other, dek := mustKey(t), mustKey(t), mustKey(t)
	w := WrapEscrow(k, EscrowDataKey(1), dek)
	if got, err := UnwrapEscrow(k, EscrowDataKey(1), w); err != nil || got != dek {
		t.Fatalf("unwrap: %v", err)
	}
	for name, try := range map[string]func() (Key, error){
		"another entry's name": func() (Key, error) { return UnwrapEscrow(k, EscrowDataKey(2), w) },
		"another key":          func() (Key, error) { return UnwrapEscrow(other, EscrowDataKey(1), w) },
		"a truncated copy":     func() (Key, error) { return UnwrapEscrow(k, EscrowDataKey(1), w[:len(w)-1]) },
		"a system entry":       func() (Key, error) { return UnwrapEscrow(k, EscrowSystem, w) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}

func mustKey(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
