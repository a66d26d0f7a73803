package keyring

import (
	"errors"
	"fmt"
	"strconv"
)

// A key-check value proves, without any data key, that a master key
// version's bytes are the ones the database was written with: the
// version's key seals a fixed text naming the version when the version
// is first used, and any later copy of that version must open it. An
// operator restoring the wrong key file (same version number, other
// bytes) is caught before a single data key is wrapped under it.

// checkLabel binds check values to their purpose.
const checkLabel = "serenade/master-key-check"

// ErrKeyCheck says a master key version does not match its stored check
// value, or has none yet: nothing may be wrapped under it.
var ErrKeyCheck = errors.New("keyring: master key does not match its check value")

func checkText(version uint32) []byte {
	return []byte("serenade master key version " + strconv.FormatUint(uint64(version), 10))
}

// CheckValue seals the fixed text of version under mk.
func CheckValue(mk Key, version uint32) []byte {
	return mk.Seal(checkLabel, checkText(version))
}

// VerifyCheck reports whether mk is the key that sealed check for version.
func VerifyCheck(mk Key, version uint32, check []byte) error {
	b, err := mk.Open(checkLabel, check)
	if err != nil || string(b) != string(checkText(version)) {
		return fmt.Errorf("master key version %d: %w", version, ErrKeyCheck)
	}
	return nil
}
