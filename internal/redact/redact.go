// Package redact replaces a patient's identifying strings in free text
// (ticket messages, document names, home notes) for roles that may not
// see identity. Staff write names, phones and addresses the way they
// heard them, not the way they were stored, so matching is done on
// normalised forms: the text is split into words (textfold.Words) and a
// run of consecutive words matches when its folded concatenation equals
// one of the patient's targets. Matches therefore always begin and end on
// word boundaries ("son" never matches inside "season"), ignore accents,
// case, spacing and punctuation, and only the matched characters are
// replaced: the rest of the text is kept as written.
//
// Redaction is a safety net, not a licence: it cannot catch what it was
// not told (a neighbour's name, a misspelling), so the study's guidance
// remains not to name patients in free text.
package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"serenade/internal/domain"
	"serenade/internal/textfold"
)

// Redactor replaces one patient's identifying strings.
type Redactor struct {
	targets     map[string]kind // folded, separator-free form → what it is
	maxLen      int             // longest target, in bytes: bounds the search
	replacement string
}

// kind says how a match of a target may be widened beyond its words.
type kind uint8

const (
	plain       kind = iota
	accented         // ends in an accented letter: may be typed with an apostrophe ("Nicolo'")
	houseNumber      // ends in a house number: may carry a suffix ("118a", "118/B")
	phone            // may be preceded by "+" or "(+"
)

// New builds the redactor of a patient. The replacement (the caller's
// nickname of the patient) stands for each match; it must not be one of
// the patient's names, which the nickname rules guarantee.
func New(p domain.Patient, replacement string) *Redactor {
	r := &Redactor{targets: map[string]kind{}, replacement: replacement}
	id := p.Identity
	r.names(id.FirstName, id.LastName)
	first, last := textfold.Key(id.FirstName), textfold.Key(id.LastName)
	if first != "" && last != "" {
		r.add(first+last, finalAccent(id.LastName)) // "NicoloRossi.pdf"
		r.add(last+first, finalAccent(id.FirstName))
	}
	r.add(textfold.Key(id.CodiceFiscale), plain)
	r.address(id.Address)
	for _, c := range p.Contacts {
		r.alias(c.Alias)
		r.phone(c.Phone)
		r.add(textfold.Key(c.Email), plain)
	}
	return r
}

// add records a target by its confusable skeleton, as the text's words
// are compared (a Cyrillic "о" in "Colоmbo" is an "o"); targets shorter
// than two characters would match initials and are ignored. A target
// already known keeps the kind that widens more.
func (r *Redactor) add(key string, k kind) {
	if utf8.RuneCountInString(key) < 2 {
		return
	}
	key = textfold.Skeleton(key)
	r.targets[key] = max(r.targets[key], k)
	r.maxLen = max(r.maxLen, len(key))
}

// Redact returns s with every match replaced; adjacent matches separated
// only by spaces ("Mario Rossi", "Rossi 347 2184590") become one
// replacement.
func (r *Redactor) Redact(s string) string {
	if len(r.targets) == 0 {
		return s
	}
	spans := r.matches(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range mergeSpaced(s, spans) {
		b.WriteString(s[last:sp.start])
		b.WriteString(r.replacement)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// span is a byte range of the text to replace.
type span struct{ start, end int }

// matches finds, left to right, the longest match starting at each word
// not already inside a match; a match cut short by "n't" is none.
func (r *Redactor) matches(s string) []span {
	words := textfold.Words(s)
	var out []span
	for i := 0; i < len(words); {
		j, k, ok := r.longest(s, words, i)
		if !ok || contraction(s, words[j].End) {
			i++
			continue
		}
		sp := span{words[i].Start, words[j].End}
		sp, j = widen(s, words, sp, j, k)
		out = append(out, sp)
		i = j + 1
	}
	return out
}

// longest returns the last word of the longest target starting at word i.
func (r *Redactor) longest(s string, words []textfold.Word, i int) (last int, k kind, ok bool) {
	var key []byte
	for j := i; j < len(words); j++ {
		if j > i && !joinable(s[words[j-1].End:words[j].Start], words[j-1].Digits && words[j].Digits) {
			break
		}
		if key = append(key, words[j].Skeleton...); len(key) > r.maxLen {
			break
		}
		if t, found := r.targets[string(key)]; found {
			last, k, ok = j, t, true
		}
	}
	return last, k, ok
}

// joinable reports whether two words separated by sep may belong to one
// name, number or address: a short run of spaces and at most three
// punctuation marks ("347 / 218", "Padova, n. 118") on one line. Two
// groups of digits may also be split by one line break, as a phone
// wrapped at the end of a line ("cell 347\n218 4590"); words are not,
// so names on two lines stay two names.
func joinable(sep string, digits bool) bool {
	if utf8.RuneCountInString(sep) > 8 {
		return false
	}
	if breaks := lineBreaks(sep); breaks > 1 || breaks == 1 && !digits {
		return false
	}
	return utf8.RuneCountInString(strings.Join(strings.Fields(sep), "")) <= 3
}

// lineBreaks counts the line breaks in s, "\r\n" as one.
func lineBreaks(s string) int {
	n := 0
	for i, r := range s {
		switch r {
		case '\n':
			if i == 0 || s[i-1] != '\r' {
				n++
			}
		case '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// mergeSpaced joins matches separated only by horizontal spaces.
func mergeSpaced(s string, spans []span) []span {
	out := spans[:1]
	for _, sp := range spans[1:] {
		prev := &out[len(out)-1]
		if strings.TrimFunc(s[prev.end:sp.start], isHorizontalSpace) == "" {
			prev.end = sp.end
			continue
		}
		out = append(out, sp)
	}
	return out
}

func isHorizontalSpace(r rune) bool { return unicode.IsSpace(r) && lineBreaks(string(r)) == 0 }
