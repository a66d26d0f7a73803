package keyring

// These tests pin the cryptographic properties the rest of Serenade relies
// on, not just that a value round-trips: a Seal that reused one nonce, a
// label that were not authenticated, or a wrap that ignored its master
// version would still round-trip and pass every functional test.

import (
	"bytes"
	"errors"
	"testing"
)

func newKey(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// nonceOf is the nonce stored in a sealed value (after the format byte).
func nonceOf(k Key, sealed []byte) []byte {
	return sealed[1 : 1+k.gcm().NonceSize()]
}

// TestSealDrawsAFreshNonceEachTime: AES-GCM under a repeated nonce leaks
// the XOR of the plaintexts and lets anyone forge tags, so every Seal must
// draw its own random nonce, even for the same key, label and plaintext.
func TestSealDrawsAFreshNonceEachTime(t *testing.T) {
	k := newKey(t)
	pt := []byte("RSSMRA80A01H501U")
	a, b := k.Seal("patient.identity", pt), k.Seal("patient.identity", pt)
	if bytes.Equal(a, b) {
		t.Fatal("sealing the same plaintext twice gave the same ciphertext")
	}
	const seals = 2000
	seen := make(map[string]bool, seals)
	zero := make([]byte, k.gcm().NonceSize())
	for i := range seals {
		n := nonceOf(k, k.Seal("patient.identity", pt))
		if bytes.Equal(n, zero) {
			t.Fatalf("seal %d used the all-zero nonce", i)
		}
		if seen[string(n)] {
			t.Fatalf("seal %d reused nonce %x", i, n)
		}
		seen[string(n)] = true
	}
}

// TestSealedValueOpensOnlyUnderItsOwnDataKey: each patient and
// installation has its own data key; one key must open nothing sealed
// under another (crypto-shredding destroys one key, not all).
func TestSealedValueOpensOnlyUnderItsOwnDataKey(t *testing.T) {
	keys := make([]Key, 8)
	sealed := make([][]byte, len(keys))
	for i := range keys {
		keys[i] = newKey(t)
		sealed[i] = keys[i].Seal("patient.identity", []byte("Mario Rossi"))
	}
	for i, k := range keys {
		for j, s := range sealed {
			pt, err := k.Open("patient.identity", s)
			if i == j && (err != nil || string(pt) != "Mario Rossi") {
				t.Errorf("key %d does not open its own value: %q, %v", i, pt, err)
			}
			if i != j && !errors.Is(err, ErrOpen) {
				t.Errorf("key %d opens the value sealed under key %d: %q, %v", i, j, pt, err)
			}
		}
	}
}

// TestLabelBindsTheCiphertextToItsPlace: a value copied into another
// column (another label) must not open there, however close the labels.
func TestLabelBindsTheCiphertextToItsPlace(t *testing.T) {
	k := newKey(t)
	labels := []string{"patient.identity", "patient.contact", "patient.identit", "patient.identity ", "Patient.identity", "document.content", ""}
	for _, sealedAs := range labels {
		s := k.Seal(sealedAs, []byte("value"))
		for _, openedAs := range labels {
			_, err := k.Open(openedAs, s)
			if sealedAs == openedAs && err != nil {
				t.Errorf("sealed and opened as %q: %v", sealedAs, err)
			}
			if sealedAs != openedAs && !errors.Is(err, ErrOpen) {
				t.Errorf("sealed as %q, opened as %q: err = %v, want ErrOpen", sealedAs, openedAs, err)
			}
		}
	}
}

// TestOpenRefusesEveryTruncationAndBitFlip: any change to a stored value
// (format byte, nonce, ciphertext or tag) and any wrong length is refused
// with ErrOpen, never a panic nor a plaintext.
func TestOpenRefusesEveryTruncationAndBitFlip(t *testing.T) {
	k := newKey(t)
	s := k.Seal("patient.identity", []byte("Mario Rossi"))
	refuse := func(what string, in []byte) {
		t.Helper()
		if pt, err := k.Open("patient.identity", in); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %q, %v; want ErrOpen", what, pt, err)
		}
	}
	for n := range len(s) {
		refuse("truncated", s[:n])
		refuse("head cut", s[n+1:])
	}
	refuse("one byte appended", append(bytes.Clone(s), 0))
	for i := range len(s) {
		for bit := range 8 {
			flipped := bytes.Clone(s)
			flipped[i] ^= 1 << bit
			refuse("bit flipped", flipped)
		}
	}
}

// TestUnwrapRefusesAWrappedValueOfTheWrongLength: a value that
// authenticates under the wrap label but is not a whole data key is
// refused, never truncated or padded into a key.
func TestUnwrapRefusesAWrappedValueOfTheWrongLength(t *testing.T) {
	mk := newKey(t)
	keys := MasterKeys{1: mk}
	for _, n := range []int{0, 16, KeySize - 1, KeySize + 1, 2 * KeySize} {
		if _, err := keys.Unwrap(1, mk.Seal(wrapLabel, make([]byte, n))); !errors.Is(err, ErrOpen) {
			t.Errorf("%d-byte wrapped value: err = %v, want ErrOpen", n, err)
		}
	}
	dek := newKey(t)
	if got, err := keys.Unwrap(1, mk.Seal(wrapLabel, dek[:])); err != nil || got != dek {
		t.Errorf("a whole data key does not unwrap: %v", err)
	}
	if _, err := keys.Unwrap(1, mk.Seal("patient.identity", dek[:])); !errors.Is(err, ErrOpen) {
		t.Errorf("a value sealed under another label unwraps as a data key: %v", err)
	}
}

// TestWrappedDataKeysNeverRepeat: the same data key wrapped twice, or
// under two master versions, gives unrelated bytes; each wrap opens only
// under the version it was made with.
func TestWrappedDataKeysNeverRepeat(t *testing.T) {
	r, err := New(NewMemorySource(MasterKeys{1: newKey(t), 2: newKey(t), 3: newKey(t)}))
	if err != nil {
		t.Fatal(err)
	}
	dek := newKey(t)
	wraps := map[uint32][]byte{}
	seen := map[string]bool{}
	for v := uint32(1); v <= 3; v++ {
		for range 2 {
			w, err := r.WrapUnder(v, dek)
			if err != nil {
				t.Fatal(err)
			}
			if seen[string(w)] {
				t.Fatalf("master version %d: the wrapped data key repeats earlier bytes", v)
			}
			if bytes.Contains(w, dek[:]) {
				t.Fatal("the data key is visible in its wrapped form")
			}
			seen[string(w)] = true
			wraps[v] = w
		}
	}
	for wrappedUnder, w := range wraps {
		for v := uint32(1); v <= 3; v++ {
			got, err := r.Versions().Unwrap(v, w)
			if v == wrappedUnder && (err != nil || got != dek) {
				t.Errorf("wrapped under %d does not unwrap there: %v", v, err)
			}
			if v != wrappedUnder && !errors.Is(err, ErrOpen) {
				t.Errorf("wrapped under %d unwraps under %d: %v", wrappedUnder, v, err)
			}
		}
	}
}

// TestBlindIndexIsKeyedAndDeterministic: the index must be stable for one
// key (lookups and uniqueness work) and unpredictable without it (no
// dictionary of all codici fiscali can be built from a database dump).
func TestBlindIndexIsKeyedAndDeterministic(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	const cf = "RSSMRA80A01H501U"
	a := BlindIndex(k1, "codice_fiscale", cf)
	if !bytes.Equal(a, BlindIndex(k1, "codice_fiscale", cf)) {
		t.Fatal("same key and value gave two indexes")
	}
	differ := map[string][]byte{
		"another key":     BlindIndex(k2, "codice_fiscale", cf),
		"another value":   BlindIndex(k1, "codice_fiscale", "RSSMRA80A01H501V"),
		"another purpose": BlindIndex(k1, "email", cf),
		"the zero key":    BlindIndex(Key{}, "codice_fiscale", cf),
	}
	for name, b := range differ {
		if bytes.Equal(a, b) {
			t.Errorf("%s gave the same index", name)
		}
	}
	if bytes.Equal(BlindIndex(k1, "ab", "c"), BlindIndex(k1, "a", "bc")) {
		t.Error("purpose and value are not separated: (ab, c) and (a, bc) share an index")
	}
	if bytes.Contains(a, []byte(cf)) || len(a) != 32 {
		t.Errorf("index %x: want 32 bytes that do not hold the value", a)
	}
}
