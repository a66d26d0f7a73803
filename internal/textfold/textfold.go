// Package textfold compares free text the way people mean it rather than
// the way they type it: without accents, without case, word by word.
// Staff write "Rossì" for "Rossi", "NICOLO'" for "Nicolò" and "De Luca"
// for "DeLuca"; redaction and the choice of nicknames must treat each
// pair as one name.
package textfold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold removes accents (any combining mark after compatibility
// decomposition) and folds case, so "Rossì", "ROSSI" and "rossi" are
// equal. Compatibility (NFKC) rather than canonical forms, because what
// looks the same must fold the same: a full-width digit ("９") is a 9, a
// ligature ("ﬁ") is two letters, a superscript is its digit.
// Transformers keep state, so each call builds its own chain; plain
// ASCII, the common case, skips it.
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(), norm.NFKC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return cases.Fold().String(s) // unreachable for valid strings; still case-folded
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// IsApostrophe reports the apostrophe and what is typed or converted for
// it: the right single quotation mark of word processors, the modifier
// letter apostrophe (U+02BC) and its look-alikes, the prime, the grave
// and acute accents, and their full-width forms. Some are letters to
// Unicode; to Words they all separate words, as "D'Angelo" and
// "Dʼ Angelo" are the same name.
func IsApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u00B4', '\u02B9', '\u02BB', '\u02BC', '\u02BD', '\u02BE', '\u02BF', '\u02C8', '\u02CA', '\u02CB',
		'\u2018', '\u2019', '\u201B', '\u2032', '\u2035', '\uA78B', '\uA78C', '\uFF07', '\uFF40':
		return true
	}
	return false
}

// IsWordRune reports the runes words are made of (besides the combining
// marks that follow a letter): letters that are not apostrophes, and
// digits.
func IsWordRune(r rune) bool {
	return unicode.IsDigit(r) || unicode.IsLetter(r) && !IsApostrophe(r)
}

// Word is a run of letters or of digits in a text, with its place in
// the original (byte offsets) and its folded form.
type Word struct {
	Start, End int
	Folded     string
	Digits     bool
}

// Words splits s into words: maximal runs of letters (with their
// combining marks) or of digits. Everything else separates words, and so
// does a change from letters to digits, so "tel.3472184590" and
// "118a" split into "tel", "3472184590" and "118", "a".
func Words(s string) []Word {
	var out []Word
	start, digits := -1, false
	for i, r := range s {
		isDigit := unicode.IsDigit(r)
		inWord := IsWordRune(r) || (unicode.Is(unicode.Mn, r) && start >= 0 && !digits)
		if start >= 0 && (!inWord || isDigit != digits && !unicode.Is(unicode.Mn, r)) {
			out = append(out, word(s, start, i, digits))
			start = -1
		}
		if inWord && start < 0 {
			start, digits = i, isDigit
		}
	}
	if start >= 0 {
		out = append(out, word(s, start, len(s), digits))
	}
	return out
}

func word(s string, start, end int, digits bool) Word {
	return Word{Start: start, End: end, Folded: Fold(s[start:end]), Digits: digits}
}

// Key is the folded concatenation of s's words: what s reads as once
// accents, case, spacing and punctuation are gone ("Via Padova, 118" →
// "viapadova118", "+39 347-218 4590" → "393472184590").
func Key(s string) string {
	var b []byte
	for _, w := range Words(s) {
		b = append(b, w.Folded...)
	}
	return string(b)
}
