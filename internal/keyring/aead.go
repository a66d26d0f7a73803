package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the size of every key: AES-256.
const KeySize = 32

// Key is a raw symmetric key.
type Key [KeySize]byte

// sealVersion prefixes every ciphertext so the format can evolve.
const sealVersion byte = 1

// ErrOpen is returned when a ciphertext does not authenticate under the
// key: wrong key, tampered data or a label mismatch. Callers must fail
// closed on it, never fall back to a default value.
var ErrOpen = errors.New("keyring: ciphertext does not authenticate")

// NewKey returns a fresh random key.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("keyring: random key: %w", err)
	}
	return k, nil
}

func (k Key) gcm() cipher.AEAD {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // unreachable: the key size is fixed
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: standard nonce and tag sizes
	}
	return aead
}

// Seal encrypts plaintext under k. The label is authenticated (not
// stored): it binds the ciphertext to its place (e.g. "patient.identity"),
// so a value copied into another column does not open.
func (k Key) Seal(label string, plaintext []byte) []byte {
	aead := k.gcm()
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic(fmt.Sprintf("keyring: random nonce: %v", err)) // the OS RNG never fails on Linux ≥3.17
	}
	return aead.Seal(out, out[1:], plaintext, []byte(label))
}

// Open decrypts a value sealed by Seal with the same key and label.
func (k Key) Open(label string, sealed []byte) ([]byte, error) {
	aead := k.gcm()
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrOpen
	}
	pt, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(label))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
