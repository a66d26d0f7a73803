package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"serenade/internal/textfold"
)

// alias adds the proper names in a contact's alias ("Giulia" of
// "daughter Giulia", "Bianchi" of "sig.ra Bianchi (vicina)"), as names.
// Relation, possessive, age, position and place words, titles and labels
// are left out: an alias that is only "figlia", "mia sorella" or "vicina
// del piano di sotto" identifies nobody and is not redacted at all, and
// "figlia" stays readable next to a redacted name. When the alias
// capitalises a word after its first, it is taken to capitalise its
// names, and words in lower case are not names ("don Luigi della
// parrocchia" names Luigi only); otherwise any word not in the lists is.
func (r *Redactor) alias(a string) {
	words := textfold.Words(a)
	capitalised := capitalisesNames(a, words)
	isName := func(i int) bool {
		w := words[i]
		return !w.Digits && !relationWords[w.Folded] && (!capitalised || upper(a, w) || particles[w.Folded])
	}
	for i := 0; i < len(words); {
		if !isName(i) || particles[words[i].Folded] && !startsName(a, words, i) {
			i++ // a name does not begin with a lower-case particle ("figlia di Laura")
			continue
		}
		j := i
		for j+1 < len(words) && isName(j+1) {
			j++
		}
		last := j
		for last > i && particles[words[last].Folded] {
			last-- // nor end with one
		}
		if !particles[words[last].Folded] {
			r.aliasName(a, words[i:last+1])
		}
		i = j + 1
	}
}

// aliasName adds a run of name words of an alias. Which of them is a
// first name and which a surname is unknown, so every run of consecutive
// words is a target ("D'Alessandro-Ricci", "DAlessandro Ricci", "Anna
// Maria" as "annamaria", "Ricci" alone), and so is the run with its
// halves swapped (surname first or last). A word right after a particle
// is not a target alone: "Alessandro" of "D'Alessandro" is someone else.
func (r *Redactor) aliasName(a string, words []textfold.Word) {
	if len(words) > maxAliasWords {
		words = words[:maxAliasWords]
	}
	for i := range words {
		for j := i; j < len(words); j++ {
			if particles[words[j].Folded] || i == j && i > 0 && particles[words[i-1].Folded] {
				continue
			}
			r.contactName(join(words[i:j+1]), finalAccent(a[words[j].Start:]))
		}
	}
	for k := 1; k < len(words); k++ {
		r.contactName(join(words[k:])+join(words[:k]), finalAccent(a[words[k-1].Start:]))
	}
}

// contactName adds a name of a contact, and the name glued to the
// patient's surname in either order ("MaddalenaRossi", "RossiMaddalena"):
// written apart they are one "[contact]" (mergeSpaced), and glued they
// must not be left whole.
func (r *Redactor) contactName(key string, k kind) {
	r.add(key, k, contact)
	if r.surname != "" {
		r.add(key+r.surname, r.surEnd, contact)
		r.add(r.surname+key, k, contact)
	}
}

// maxAliasWords bounds the words of one name run of an alias, so the
// targets of an alias stay few (at most 36 runs and 7 swaps).
const maxAliasWords = 8

// startsName reports whether the particle at words[i] begins a name: it
// is capitalised ("De Luca", "D'Alessandro") or elided onto the next
// word ("d'alessandro"), rather than a preposition ("figlia di Laura").
func startsName(a string, words []textfold.Word, i int) bool {
	if upper(a, words[i]) {
		return true
	}
	if i+1 >= len(words) {
		return false
	}
	gap := a[words[i].End:words[i+1].Start]
	r, size := utf8.DecodeRuneInString(gap)
	return size == len(gap) && textfold.IsApostrophe(r)
}

// capitalisesNames reports whether a word other than the alias's first
// begins with a capital letter.
func capitalisesNames(a string, words []textfold.Word) bool {
	for _, w := range words[min(1, len(words)):] {
		if upper(a, w) {
			return true
		}
	}
	return false
}

// upper reports whether w begins with a capital letter.
func upper(a string, w textfold.Word) bool {
	r, _ := utf8.DecodeRuneInString(a[w.Start:])
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// contraction reports whether the text at end (right after a match)
// continues with the English negative "n't" split after its n ("Don't",
// "Can't", "Won't"): the match then ends inside a word ("Do"+"n't"), not
// on a name's boundary, and is not one.
func contraction(s string, end int) bool {
	r, size := utf8.DecodeRuneInString(s[end:])
	if !textfold.IsApostrophe(r) || end == 0 || s[end-1] != 'n' && s[end-1] != 'N' {
		return false
	}
	rest := s[end+size:]
	if !strings.HasPrefix(rest, "t") && !strings.HasPrefix(rest, "T") {
		return false
	}
	next, _ := utf8.DecodeRuneInString(rest[1:])
	return len(rest) == 1 || !textfold.IsWordRune(next)
}
