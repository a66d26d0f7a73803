package pseudonym

import (
	"crypto/cipher"
	_ "embed" // the list of names
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"serenade/internal/domain"
	"serenade/internal/textfold"
)

//go:generate sh gen.sh

//go:embed nicknames.txt
var nicknameFile string

// nicknames is the embedded list of Italian first names (nicknames.txt,
// generated from two pinned open datasets): single words, no duplicates.
var nicknames = readNames(nicknameFile)

// readNames is the list's lines without its # header.
func readNames(file string) []string {
	var names []string
	for _, line := range strings.Split(file, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	return names
}

var (
	// groupSize is how many patients share one suffix: half the list. The
	// other half is each group's reserve, the names patients whose first
	// choice is one of their own names are given instead.
	groupSize = uint64(len(nicknames) / 2)
	// halfBits is the width of one Feistel half: the smallest even width
	// whose domain covers the list, so cycle-walking takes under four
	// steps on average.
	halfBits = (bits.Len(uint(len(nicknames)-1)) + 1) / 2
)

// feistelRounds of the keyed permutation; four make a pseudo-random
// permutation (Luby-Rackoff), eight leave a margin.
const feistelRounds = 8

// Nickname is a friendly Italian first name for role's view of a patient,
// so technicians can speak of "Achille's home" without knowing who lives
// there. Within a role no two patients share one; across roles they are
// unrelated; a patient keeps it (a pure function of the server key, the
// role, the id, the patient's names and the pinned list).
//
// Patient ids, counted from 1, fall into groups of groupSize; a group's
// nicknames carry its number from the second group on ("Giulia 2"). In
// each group a keyed permutation of the list's indices (per role and
// group) gives patient r of the group the slot π(r) and the reserve slot
// π(r+groupSize): the two halves of a permutation, so no patient's first
// choice or reserve is another's. A patient is given the first of the
// two that is none of its names (first name and surname, compared folded
// and word by word, because the nickname replaces them in redacted text).
// The reserve is drawn by the same key, so a nickname other than the
// first choice cannot be told from one, and a group's shown names leave
// out a half of the list, not the patient's name. A patient both of whose
// names are its two slots (odds about one in a million, and only with two
// listed names) gets lastResort, still unique and none of its names.
func (c *Codec) Nickname(role domain.Role, patientID int64, names ...string) string {
	block, ok := c.nicks[role]
	if !ok || patientID <= 0 {
		return ""
	}
	seq := uint64(patientID - 1)
	p := permutation{block: block, group: seq / groupSize}
	r := seq % groupSize
	taken := ownNames(names)
	for _, slot := range []uint64{p.at(r), p.at(r + groupSize)} {
		if n := nicknames[slot]; !taken[textfold.Fold(n)] {
			return n + p.suffix()
		}
	}
	return p.lastResort(p.at(r), taken)
}

// lastResort names a patient whose both slots are its own names: the
// list's next name that is not, then the group and the slot, which no
// other patient shares and no other nickname is written like.
func (p permutation) lastResort(slot uint64, taken map[string]bool) string {
	for i := range uint64(len(nicknames)) {
		if n := nicknames[(slot+1+i)%uint64(len(nicknames))]; !taken[textfold.Fold(n)] {
			return fmt.Sprintf("%s %d-%d", n, p.group+1, slot+1)
		}
	}
	return fmt.Sprintf("%d-%d", p.group+1, slot+1) // a patient with every listed name
}

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

// permutation is one role's keyed shuffle of the list's indices for one
// group of patients: a balanced Feistel network over 2·halfBits bits
// whose round function is AES under the role's nickname key, restricted
// to the list by cycle-walking (re-encrypt until the index is in range,
// which keeps it a permutation). Nothing is stored: any index is computed
// on demand in a few microseconds.
type permutation struct {
	block cipher.Block
	group uint64
}

// at is the list index the permutation sends x to; x < len(nicknames).
func (p permutation) at(x uint64) uint64 {
	for {
		if x = p.encrypt(x); x < uint64(len(nicknames)) {
			return x
		}
	}
}

func (p permutation) encrypt(x uint64) uint64 {
	mask := uint64(1)<<halfBits - 1
	left, right := x>>halfBits, x&mask
	for round := range feistelRounds {
		left, right = right, left^p.round(round, right)&mask
	}
	return left<<halfBits | right
}

// round is the Feistel function: AES of (group, round, half), so every
// group and round has an independent function.
func (p permutation) round(round int, half uint64) uint64 {
	var in, out [16]byte
	binary.BigEndian.PutUint64(in[:8], p.group)
	in[8] = byte(round)
	binary.BigEndian.PutUint32(in[12:], uint32(half))
	p.block.Encrypt(out[:], in[:])
	return binary.BigEndian.Uint64(out[:8])
}

// suffix tells groups apart: none for the first, " 2" for the second.
func (p permutation) suffix() string {
	if p.group == 0 {
		return ""
	}
	return " " + strconv.FormatUint(p.group+1, 10)
}
