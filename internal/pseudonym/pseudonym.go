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
	"strings"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/resource"
	"serenade/internal/textfold"
)

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// AuditRole names the server-side pseudonyms of the audit trail: no
// caller has it, so no caller's references match the trail's.
const AuditRole domain.Role = "audit"

// Codec encodes and decodes pseudonyms for every role.
type Codec struct {
	blocks map[domain.Role]cipher.Block
	nicks  map[domain.Role][]byte // keys of the nickname draw, one per role
}

// New derives one key per role from the server's pseudonym key.
func New(serverKey keyring.Key) *Codec {
	c := &Codec{blocks: map[domain.Role]cipher.Block{}, nicks: map[domain.Role][]byte{}}
	for _, r := range append(domain.AllRoles[:len(domain.AllRoles):len(domain.AllRoles)], AuditRole) {
		block, err := aes.NewCipher(derive(serverKey, "serenade/pseudonym/"+string(r)))
		if err != nil {
			panic(err) // unreachable: SHA-256 gives an AES-256 key
		}
		c.blocks[r] = block
		c.nicks[r] = derive(serverKey, "serenade/nickname/"+string(r))
	}
	return c
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

// Nickname is a friendly Italian first name for role's view of a
// patient, so technicians can speak of "Achille's home" without knowing
// who lives there. Nicknames are not unique; the pseudonym is.
//
// names are the patient's own first name and surname: the nickname is
// never one of them nor one of their words, compared without accents or
// case, because it replaces the patient's names in redacted free text
// and must not write them back. The draw, and each re-draw when the
// drawn name is taken, come from a keyed hash (HMAC-SHA-256 under a key
// of the role derived from the server's pseudonym key) of the patient's
// id and the attempt number. Nobody without the key can compute the
// draw, so a nickname other than the draw cannot be told from a first
// draw, and re-draws are independent of the list order, so no name
// becomes likelier for following one of the patient's names. The
// nickname is a pure function of the key, role, id and names: stable.
func (c *Codec) Nickname(role domain.Role, patientID int64, names ...string) string {
	key, ok := c.nicks[role]
	if !ok {
		return ""
	}
	taken := ownNames(names)
	var msg [16]byte
	binary.BigEndian.PutUint64(msg[:8], uint64(patientID))
	for attempt := range uint64(maxDraws) {
		binary.BigEndian.PutUint64(msg[8:], attempt)
		m := hmac.New(sha256.New, key)
		m.Write(msg[:])
		n := nicknames[binary.BigEndian.Uint64(m.Sum(nil)[:8])%uint64(len(nicknames))]
		if !taken[textfold.Fold(n)] {
			return n
		}
	}
	// Unreachable in practice: a patient has a few names out of a hundred,
	// so 64 keyed draws all landing on them has odds below 10^-60. Still a
	// name that is not theirs, so the guarantee holds without the odds.
	for _, n := range nicknames {
		if !taken[textfold.Fold(n)] {
			return n
		}
	}
	return ""
}

// maxDraws bounds the keyed re-draws of a nickname.
const maxDraws = 64

// ownNames is the set of folded names and name words a nickname must avoid.
func ownNames(names []string) map[string]bool {
	taken := map[string]bool{}
	for _, n := range names {
		taken[textfold.Fold(strings.TrimSpace(n))] = true
		for _, w := range textfold.Words(n) {
			taken[w.Folded] = true
		}
	}
	return taken
}

var nicknames = []string{
	"Achille", "Ada", "Adele", "Agata", "Alba", "Alceste", "Aldo", "Amalia", "Ambrogio", "Amedeo",
	"Anselmo", "Arturo", "Assunta", "Attilio", "Beatrice", "Benedetto", "Bianca", "Bruno", "Camilla", "Carlo",
	"Carmela", "Cesare", "Cesira", "Clelia", "Corrado", "Dante", "Dario", "Delia", "Dino", "Edda",
	"Elvira", "Emilio", "Enea", "Enrico", "Ermes", "Ernesta", "Ettore", "Eugenia", "Ezio", "Fausto",
	"Felice", "Filippo", "Fiorella", "Franca", "Fulvio", "Gaspare", "Gemma", "Gilda", "Gino", "Girolamo",
	"Gisella", "Guido", "Ida", "Ines", "Irma", "Italo", "Jole", "Lauretta", "Lea", "Leone",
	"Letizia", "Libero", "Lidia", "Livio", "Loredana", "Luigia", "Manfredi", "Marcello", "Matilde", "Melchiorre",
	"Nella", "Nestore", "Nicola", "Norma", "Oddone", "Olga", "Orazio", "Oreste", "Ottavio", "Palmira",
	"Pasquale", "Pia", "Pietro", "Rachele", "Remo", "Rina", "Rocco", "Romolo", "Rosalia", "Sabatino",
	"Santina", "Saverio", "Silvano", "Teodoro", "Teresa", "Tullio", "Ugo", "Valeria", "Vittorio", "Zelinda",
}
