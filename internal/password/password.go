// Package password hashes local account passwords with argon2id (RFC
// 9106) in the PHC string format, and checks them in constant time.
package password

import (
	"errors"
	"sync"

	"github.com/alexedwards/argon2id"
)

// params follow RFC 9106's second recommended option (64 MiB, 3 passes)
// scaled to one lane per core of a small server.
var params = &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// MinLength is the shortest password `serenade user add` accepts.
const MinLength = 10

// Hash returns the PHC-encoded argon2id hash of a password.
func Hash(pw string) (string, error) {
	return argon2id.CreateHash(pw, params)
}

// Verify reports whether pw matches hash. A malformed hash is an error,
// never a match.
func Verify(pw, hash string) (bool, error) {
	return argon2id.ComparePasswordAndHash(pw, hash)
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// VerifyNobody spends the time of one Verify on a hash that matches
// nothing, so that a login for an unknown username takes as long as one
// for a known username (no user enumeration through timing).
func VerifyNobody(pw string) {
	dummyOnce.Do(func() { dummyHash, _ = Hash("serenade: no such account") })
	_, _ = Verify(pw, dummyHash)
}

// ErrTooShort is returned by Check for short passwords.
var ErrTooShort = errors.New("password must be at least 10 characters")

// Check applies the password policy for new local accounts.
func Check(pw string) error {
	if len([]rune(pw)) < MinLength {
		return ErrTooShort
	}
	return nil
}
