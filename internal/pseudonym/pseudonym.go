// Package pseudonym turns internal ids into per-role pseudonyms (SPEC §4).
//
// A pseudonym is the AES-256 encryption of one block holding the kind of
// resource (its code in internal/resource), seven zero bytes and the id, under a key derived for the role
// from the server's pseudonym key. It is therefore stable (same role,
// same id, same pseudonym), reversible by the server without any lookup
// table, and unlinkable across roles without the key: two roles' keys are
// independent, so their pseudonyms of one patient look unrelated. The
// zero bytes authenticate: a pseudonym of another role, or a raw id,
// decodes to garbage and is refused (a 2^-56 chance of a false match).
package pseudonym

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/resource"
)

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// AuditRole names the server-side pseudonyms of the audit trail: no
// caller has it, so no caller's references match the trail's.
const AuditRole domain.Role = "audit"

// Codec encodes and decodes pseudonyms for every role.
type Codec struct {
	blocks map[domain.Role]cipher.Block
	nicks  map[domain.Role]cipher.Block // keys of the nickname permutations, one per role
	sorts  map[domain.Role][]byte       // keys of the sort tags (SortTag), one per role
}

// New derives one key per role from the server's pseudonym key.
func New(serverKey keyring.Key) *Codec {
	c := &Codec{blocks: map[domain.Role]cipher.Block{}, nicks: map[domain.Role]cipher.Block{}, sorts: map[domain.Role][]byte{}}
	for _, r := range append(domain.AllRoles[:len(domain.AllRoles):len(domain.AllRoles)], AuditRole) {
		c.blocks[r] = mustAES(derive(serverKey, "serenade/pseudonym/"+string(r)))
		c.nicks[r] = mustAES(derive(serverKey, "serenade/nickname/"+string(r)))
		c.sorts[r] = derive(serverKey, "serenade/sort/"+string(r))
	}
	return c
}

// mustAES is the AES-256 cipher of a derived key.
func mustAES(key []byte) cipher.Block {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // unreachable: SHA-256 gives an AES-256 key
	}
	return block
}

// derive is the key for one purpose: HMAC-SHA-256 of its label under the
// server's key, so keys of different purposes or roles are independent.
func derive(serverKey keyring.Key, label string) []byte {
	m := hmac.New(sha256.New, serverKey[:])
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Encode returns role's pseudonym of the resource: 26 lower-case base32
// characters.
func (c *Codec) Encode(role domain.Role, kind resource.Kind, id int64) string {
	var in, out [aes.BlockSize]byte
	in[0] = kind.Code
	binary.BigEndian.PutUint64(in[8:], uint64(id))
	c.blocks[role].Encrypt(out[:], in[:])
	return strings.ToLower(encoding.EncodeToString(out[:]))
}

// SortTag is role's tiebreaker of a resource in its lists: a keyed hash
// (HMAC-SHA-256 under a key of the role's own, 12 bytes in hex), so the
// order it gives is as arbitrary as the role's pseudonyms and independent
// from any other role's, yet it can be stored for the database to order
// by without storing the pseudonym, which would let whoever holds the
// database map a role's references to its rows. It is never shown.
func (c *Codec) SortTag(role domain.Role, kind resource.Kind, id int64) string {
	m := hmac.New(sha256.New, c.sorts[role])
	var in [9]byte
	in[0] = kind.Code
	binary.BigEndian.PutUint64(in[1:], uint64(id))
	m.Write(in[:])
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// Decode returns the id behind role's pseudonym of a resource of kind;
// false for anything else (another role's pseudonym, another kind, a raw
// id, noise).
func (c *Codec) Decode(role domain.Role, kind resource.Kind, s string) (int64, bool) {
	block, ok := c.blocks[role]
	if !ok || len(s) != 26 || strings.ToLower(s) != s {
		return 0, false
	}
	raw, err := encoding.DecodeString(strings.ToUpper(s))
	if err != nil || len(raw) != aes.BlockSize {
		return 0, false
	}
	var out [aes.BlockSize]byte
	block.Decrypt(out[:], raw)
	if out[0] != kind.Code || binary.BigEndian.Uint64(out[:8])&0x00ffffffffffffff != 0 {
		return 0, false
	}
	id := int64(binary.BigEndian.Uint64(out[8:]))
	// base32 of 16 bytes leaves two spare bits: accept only the canonical
	// spelling, so each resource has exactly one pseudonym per role.
	if id <= 0 || strings.ToLower(encoding.EncodeToString(raw)) != s {
		return 0, false
	}
	return id, true
}
