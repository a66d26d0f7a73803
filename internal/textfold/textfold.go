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

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold removes accents (any combining mark after compatibility
// decomposition) and folds case, so "Rossì", "ROSSI" and "rossi" are
// equal. Compatibility (NFKC) rather than canonical forms, because what
// looks the same must fold the same: a full-width digit ("９") is a 9, a
// ligature ("ﬁ") is two letters, a superscript is its digit. Every
// decimal digit of any script (Unicode category Nd: Arabic-Indic "٣",
// Persian "۳", Devanagari "३") becomes its ASCII digit, since a phone
// number is the same number in any script.
// Latin letters that no decomposition reduces to a base letter ("Ø",
// "Ł", "Æ", "Þ", "ı") are spelled in ASCII as Unicode's Latin-ASCII
// transform spells them (latinLetters), so "Øvergård" folds to
// "overgard", as people type it on an Italian keyboard.
// Transformers keep state, so each call builds its own chain; plain
// ASCII, the common case, skips it.
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(), norm.NFKC, runes.Map(asciiDigit))
	out, _, err := transform.String(t, s)
	if err != nil {
		out = cases.Fold().String(s) // unreachable for valid strings; still case-folded
	}
	return foldLatin(out)
}

// asciiDigit maps a decimal digit of any script to its ASCII digit and
// leaves other runes alone. Unicode encodes each script's decimal digits
// as a contiguous run from zero to nine (a stability guarantee), and the
// ranges of category Nd are unions of such runs, so the value is the
// distance from the range's start, modulo ten.
func asciiDigit(r rune) rune {
	if r < utf8.RuneSelf || !unicode.Is(unicode.Nd, r) {
		return r
	}
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return '0' + (r-lo)%10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return '0' + (r-lo)%10
		}
	}
	return r // unreachable: r is in Nd
}

// Skeleton is the confusable skeleton of a folded string (Unicode TS #39,
// with the confusables table of a maintained module), in lower case:
// letters that look alike map to one prototype, so "colombo" with a
// Cyrillic "о" or a Greek "ο" has the skeleton of the Latin spelling.
// Redaction compares skeletons, so a look-alike letter does not hide a
// name; the skeleton is for comparing only, never shown (it maps "m" to
// "rn" and "1" to "l").
func Skeleton(folded string) string {
	if !isASCII(folded) {
		return strings.ToLower(confusables.Skeleton(folded))
	}
	var b strings.Builder
	b.Grow(len(folded) + 2)
	for i := 0; i < len(folded); i++ {
		b.WriteString(asciiSkeleton[folded[i]])
	}
	return b.String()
}

// asciiSkeleton is Skeleton of each ASCII character, computed once: most
// words are ASCII and need no normalisation.
var asciiSkeleton = func() (t [utf8.RuneSelf]string) {
	for c := range t {
		t[c] = strings.ToLower(confusables.Skeleton(string(rune(c))))
	}
	return t
}()

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
// digits, each judged by its compatibility form (NFKC), so a superscript
// "³" (category No) is the digit it shows and a ligature "ﬁ" letters.
func IsWordRune(r rune) bool {
	return classOf(r) != other
}

// class is what a rune counts as in a word.
type class uint8

const (
	other class = iota
	letter
	digit
)

// classOf classifies a letter or number r by its NFKC form: digits when
// every rune of it is a decimal digit, letters when every rune is a
// letter (apostrophes excepted) or a mark; otherwise a separator ("½" is
// "1⁄2"). Symbols and punctuation separate words whatever their form
// ("™" is not the letters "TM").
func classOf(r rune) class {
	if r < utf8.RuneSelf {
		return asciiClass(r)
	}
	if IsApostrophe(r) || !unicode.In(r, unicode.L, unicode.N) {
		return other
	}
	compat := norm.NFKC.String(string(r))
	c := other
	for i, x := range compat {
		var xc class
		switch {
		case unicode.Is(unicode.Nd, x):
			xc = digit
		case unicode.IsLetter(x) && !IsApostrophe(x), unicode.IsMark(x) && i > 0:
			xc = letter
		default:
			return other
		}
		if c != other && xc != c {
			return other
		}
		c = xc
	}
	return c
}

func asciiClass(r rune) class {
	switch {
	case r >= '0' && r <= '9':
		return digit
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		return letter
	}
	return other
}

// Word is a run of letters or of digits in a text, with its place in
// the original (byte offsets), its folded form and the skeleton of that
// (what look-alike spellings share).
type Word struct {
	Start, End int
	Folded     string
	Skeleton   string
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
		c := classOf(r)
		isDigit := c == digit
		inWord := c != other || (unicode.Is(unicode.Mn, r) && start >= 0 && !digits)
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
	f := Fold(s[start:end])
	return Word{Start: start, End: end, Folded: f, Skeleton: Skeleton(f), Digits: digits}
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
