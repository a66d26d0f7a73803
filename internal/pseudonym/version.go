package pseudonym

import (
	"crypto/sha256"
	"encoding/hex"

	"serenade/internal/textfold"
)

// nicknameVersion is NicknameVersion, computed once.
var nicknameVersion = func() string {
	sum := sha256.Sum256([]byte(nicknameFile))
	return "list " + hex.EncodeToString(sum[:8]) + "; fold " + textfold.Version
}()

// NicknameVersion names what Nickname's output depends on besides its
// arguments and the key: the embedded list (the first 8 bytes of its
// SHA-256, in hex) and the fold its own-name check compares with
// (textfold.Version), e.g. "list 3f2a…; fold 2". Whoever stores a
// nickname or a value computed from one records it, and recomputes when
// it changes.
func NicknameVersion() string { return nicknameVersion }
