// Package redact replaces a patient's identifying strings in free text
// (ticket messages, document names, home notes) for roles that may not
// see identity. Staff write names, phones and addresses the way they
// heard them, not the way they were stored, so matching is done on
// normalised forms: the text is split into words (textfold.Words) and a
// run of consecutive words matches when its folded concatenation equals
// one of the patient's targets. Matches therefore always begin and end on
// word boundaries ("son" never matches inside "season"), ignore accents,
// case, spacing and punctuation, and only the matched characters are
// replaced: the rest of the text is kept as written. Each match is
// replaced by what it stands for: the patient's names by the caller's
// nickname of the patient, a contact's name, a phone, an e-mail, the
// address and the codice fiscale by the placeholder of their kind
// ("[contact]", "[phone]", …), so a relative never reads as the patient.
//
// Redaction is a safety net, not a licence: it cannot catch what it was
// not told (a neighbour's name, a misspelling), so the study's guidance
// remains not to name patients in free text.
package redact

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"serenade/internal/domain"
	"serenade/internal/textfold"
)

// Redactor replaces one patient's identifying strings.
type Redactor struct {
	targets  map[string]target // folded, separator-free form → what it is
	maxLen   int               // longest target, in bytes: bounds the search
	nickname string
	surname  string // the patient's surname, folded: glued to contacts' names (contactName)
	surEnd   kind   // how a match ending in the surname may be widened
}

// target is what a target string is: how its matches may be widened, and
// what they stand for.
type target struct {
	widen kind
	what  category
}

// kind says how a match of a target may be widened beyond its words.
type kind uint8

const (
	plain       kind = iota
	accented         // ends in an accented letter: may be typed with an apostrophe ("Nicolo'")
	houseNumber      // ends in a house number: may carry a suffix ("118a", "118/B")
	phone            // may be preceded by "+" or "(+"
)

// New builds the redactor of a patient. The nickname (the caller's
// nickname of the patient) stands for each match of the patient's names;
// it must not be one of them, which the nickname rules guarantee. Other
// matches are replaced by their placeholders.
func New(p domain.Patient, nickname string) *Redactor {
	r := &Redactor{targets: map[string]target{}, nickname: nickname}
	id := p.Identity
	r.names(id.FirstName, id.LastName)
	first, last := textfold.Key(id.FirstName), textfold.Key(id.LastName)
	r.surname, r.surEnd = last, finalAccent(id.LastName)
	if first != "" && last != "" {
		r.add(first+last, finalAccent(id.LastName), patientName) // "NicoloRossi.pdf"
		r.add(last+first, finalAccent(id.FirstName), patientName)
	}
	r.add(textfold.Key(id.CodiceFiscale), plain, codiceFiscale)
	r.address(id.Address)
	for _, c := range p.Contacts {
		r.alias(c.Alias)
		r.phone(c.Phone)
		r.add(textfold.Key(c.Email), plain, email)
	}
	return r
}

// add records a target by its confusable skeleton, as the text's words
// are compared (a Cyrillic "о" in "Colоmbo" is an "o"); targets shorter
// than two characters would match initials and are ignored. A target
// already known keeps the kind that widens more, and stands for the
// category of higher priority (the patient's names above all).
func (r *Redactor) add(key string, k kind, c category) {
	if utf8.RuneCountInString(key) < 2 {
		return
	}
	key = textfold.Skeleton(key)
	if t, ok := r.targets[key]; ok {
		k, c = max(t.widen, k), max(t.what, c)
	}
	r.targets[key] = target{widen: k, what: c}
	r.maxLen = max(r.maxLen, len(key))
}

// replacement is what stands for a match of category c.
func (r *Redactor) replacement(c category) string {
	if c == patientName {
		return r.nickname
	}
	return placeholders[c]
}

// Redact returns s with every match replaced; adjacent matches of one
// category separated only by spaces ("Mario Rossi") become one
// replacement, so do a contact's name and the patient's ("Maddalena
// Rossi" is one "[contact]"), and matches of two other categories stay
// two ("Rossi 347 2184590" is the nickname and "[phone]"). The
// placeholders in s are kept as they are, so a second pass changes
// nothing.
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
		b.WriteString(r.replacement(sp.what))
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// span is a byte range of the text to replace, and what it stands for.
type span struct {
	start, end int
	what       category
}

// matches finds, left to right, the longest match starting at each word
// not already inside a match; a match cut short by "n't" is none. Words
// of a placeholder are not matched.
func (r *Redactor) matches(s string) []span {
	words := textfold.Words(s)
	kept := inPlaceholders(s, words)
	var out []span
	for i := 0; i < len(words); {
		j, t, ok := r.longest(s, words, kept, i)
		if !ok || contraction(s, words[j].End) {
			i++
			continue
		}
		sp := span{words[i].Start, words[j].End, t.what}
		sp, j = widen(s, words, sp, j, t.widen)
		out = append(out, sp)
		i = j + 1
	}
	return out
}

// longest returns the last word of the longest target starting at word i.
func (r *Redactor) longest(s string, words []textfold.Word, kept []bool, i int) (last int, t target, ok bool) {
	var key []byte
	for j := i; j < len(words); j++ {
		if kept != nil && kept[j] {
			break
		}
		if j > i && !joinable(s[words[j-1].End:words[j].Start], words[j-1].Digits && words[j].Digits) {
			break
		}
		if key = append(key, words[j].Skeleton...); len(key) > r.maxLen {
			break
		}
		if found, in := r.targets[string(key)]; in {
			last, t, ok = j, found, true
		}
	}
	return last, t, ok
}

// inPlaceholders marks the words that belong to a placeholder written as
// the redaction writes it ("[phone]"), or nil when s has none. They are
// left alone: a placeholder names no one, and redacting its words (a
// contact called "Phone") would make a second pass change the text.
func inPlaceholders(s string, words []textfold.Word) []bool {
	if !strings.Contains(s, "[") {
		return nil
	}
	var kept []bool
	for _, p := range placeholders {
		for from := 0; ; {
			at := strings.Index(s[from:], p)
			if at < 0 {
				break
			}
			at += from
			from = at + len(p)
			if kept == nil {
				kept = make([]bool, len(words))
			}
			first, _ := slices.BinarySearchFunc(words, at, func(w textfold.Word, at int) int { return cmp.Compare(w.Start, at) })
			for i := first; i < len(words) && words[i].Start < from; i++ {
				kept[i] = true
			}
		}
	}
	return kept
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

// mergeSpaced joins matches separated only by horizontal spaces when
// they are of one category, or names of two people: a run of names that
// holds a contact's becomes one contact, in either order. Written apart,
// a contact next to the patient's surname ("Maddalena Rossi") would read
// "[contact] <nickname>", telling that the contact shares the surname and
// making the nickname read as the contact's surname. Other categories
// stay apart ("Mario Rossi 347 2184590" is the nickname and "[phone]").
func mergeSpaced(s string, spans []span) []span {
	out := spans[:1]
	for _, sp := range spans[1:] {
		prev := &out[len(out)-1]
		if what, ok := mergedName(prev.what, sp.what); ok && strings.TrimFunc(s[prev.end:sp.start], isHorizontalSpace) == "" {
			prev.end, prev.what = sp.end, what
			continue
		}
		out = append(out, sp)
	}
	return out
}

// mergedName is what two adjacent matches of categories a and b become
// as one replacement, if they may be one: one category stays itself,
// and a contact's name with the patient's is the contact.
func mergedName(a, b category) (category, bool) {
	switch {
	case a == b:
		return a, true
	case (a == contact || a == patientName) && (b == contact || b == patientName):
		return contact, true
	}
	return a, false
}

func isHorizontalSpace(r rune) bool { return unicode.IsSpace(r) && lineBreaks(string(r)) == 0 }
