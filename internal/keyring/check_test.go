package keyring

import (
	"errors"
	"testing"
)

// TestCheckValueOpensOnlyWithItsVersionsKey: a check value verifies with
// the key and version that made it, and with no other key (the wrong key
// file with the right version number) or version (a value copied to
// another version's row).
func TestCheckValueOpensOnlyWithItsVersionsKey(t *testing.T) {
	k, other := newKey(t), newKey(t)
	check := CheckValue(k, 3)
	if err := VerifyCheck(k, 3, check); err != nil {
		t.Fatalf("own key and version: %v", err)
	}
	for name, err := range map[string]error{
		"other key":     VerifyCheck(other, 3, check),
		"other version": VerifyCheck(k, 4, check),
		"truncated":     VerifyCheck(k, 3, check[:10]),
	} {
		if !errors.Is(err, ErrKeyCheck) {
			t.Errorf("%s: err = %v, want ErrKeyCheck", name, err)
		}
	}
}

// TestWrapCheckedWrapsNothingTheVerifierRefuses: the verifier sees the
// exact key the wrap would use; when it refuses, no wrapped key comes
// back and the problem signal fires for the readiness check.
func TestWrapCheckedWrapsNothingTheVerifierRefuses(t *testing.T) {
	mk := newKey(t)
	r, err := New(NewMemorySource(MasterKeys{1: mk}))
	if err != nil {
		t.Fatal(err)
	}
	dek := newKey(t)
	var seen Key
	w, err := r.WrapChecked(1, dek, func(v uint32, k Key) error {
		seen = k
		return VerifyCheck(k, v, CheckValue(newKey(t), v))
	})
	if !errors.Is(err, ErrKeyCheck) || w != nil {
		t.Fatalf("WrapChecked = %x, %v; want nothing and ErrKeyCheck", w, err)
	}
	if seen != mk {
		t.Error("the verifier was not given the key the wrap would use")
	}
	select {
	case <-r.Problems():
	default:
		t.Error("no problem signalled for the refused wrap")
	}
	w, err = r.WrapChecked(1, dek, func(v uint32, k Key) error { return VerifyCheck(k, v, CheckValue(mk, v)) })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Unwrap(1, w); err != nil || got != dek {
		t.Errorf("verified wrap does not unwrap: %v", err)
	}
}
