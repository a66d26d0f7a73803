package keyring

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpensOnlyWithTheSameKeyAndLabel(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	sealed := k.Seal("patient.identity", []byte("Mario Rossi"))
	if bytes.Contains(sealed, []byte("Mario")) {
		t.Fatal("plaintext visible in the ciphertext")
	}
	if pt, err := k.Open("patient.identity", sealed); err != nil || string(pt) != "Mario Rossi" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another key":   func() ([]byte, error) { return other.Open("patient.identity", sealed) },
		"another label": func() ([]byte, error) { return k.Open("patient.contact", sealed) },
		"a flipped bit": func() ([]byte, error) { return k.Open("patient.identity", tampered) },
		"a short input": func() ([]byte, error) { return k.Open("patient.identity", sealed[:5]) },
	} {
		if _, err := open(); err != ErrOpen {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
}

func TestMasterKeyFileRoundTripAndPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	created, err := EnsureFile(path)
	if err != nil || !created {
		t.Fatalf("EnsureFile = %v, %v", created, err)
	}
	if created, _ := EnsureFile(path); created {
		t.Error("EnsureFile replaced an existing key")
	}
	r, err := New(FileSource{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.AddVersion()
	if err != nil || v != 2 || len(r.Versions()) != 2 {
		t.Fatalf("AddVersion = %d, %v; versions %d", v, err, len(r.Versions()))
	}
	dek, _ := NewKey()
	wrapped, _ := r.WrapUnder(1, dek)
	if err := r.Prune(func(v uint32) bool { return v == 2 }); err != nil {
		t.Fatal(err)
	}
	fresh, err := New(FileSource{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Unwrap(1, wrapped); err == nil {
		t.Error("a pruned master version still unwraps after a restart")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode().Perm())
	}
	os.Chmod(path, 0o604)
	if _, err := ReadMasterKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: err = %v", err)
	}
}

func TestParseMasterKeysRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "not base64!", "0 AAAA", "1 " + strings.Repeat("A", 40)} {
		if _, err := ParseMasterKeys(s); err == nil {
			t.Errorf("ParseMasterKeys(%q) accepted", s)
		}
	}
}
