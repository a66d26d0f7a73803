package ingest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// An ingest token is srn_<public id>_<secret>: the public id (16
// lower-case hex digits, 64 random bits) finds the stored row; the secret
// (64 hex digits, 256 random bits) is stored only as its SHA-256. A fast
// hash is right here: the secret is random and as long as the hash, so
// there is nothing to guess that a slow hash would protect; checking it
// costs a microsecond, which keeps ingest cheap.
const (
	tokenPrefix    = "srn_"
	publicIDBytes  = 8
	secretBytes    = 32
	tokenLength    = len(tokenPrefix) + 2*publicIDBytes + 1 + 2*secretBytes
	PublicIDLength = 2 * publicIDBytes
)

// NewToken makes a token: the string shown once to whoever provisions
// it, its public id, and the secret's SHA-256 to store.
func NewToken() (token, publicID string, secretSHA256 []byte) {
	pub, secret := make([]byte, publicIDBytes), make([]byte, secretBytes)
	_, _ = rand.Read(pub) // crypto/rand.Read never fails
	_, _ = rand.Read(secret)
	publicID, hexSecret := hex.EncodeToString(pub), hex.EncodeToString(secret)
	sum := sha256.Sum256([]byte(hexSecret))
	return tokenPrefix + publicID + "_" + hexSecret, publicID, sum[:]
}

// SplitToken reads a token's public id and the SHA-256 of its secret;
// ok is false for anything not shaped like a token.
func SplitToken(token string) (publicID string, secretSHA256 []byte, ok bool) {
	if len(token) != tokenLength || !strings.HasPrefix(token, tokenPrefix) {
		return "", nil, false
	}
	publicID, secret, found := strings.Cut(token[len(tokenPrefix):], "_")
	if !found || len(publicID) != PublicIDLength || !isLowerHex(publicID) || !isLowerHex(secret) {
		return "", nil, false
	}
	sum := sha256.Sum256([]byte(secret))
	return publicID, sum[:], true
}

// SecretMatches compares two secret hashes in constant time.
func SecretMatches(stored, presented []byte) bool {
	return subtle.ConstantTimeCompare(stored, presented) == 1
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
