package redact

import (
	"strings"
	"unicode/utf8"

	"serenade/internal/textfold"
)

// widen extends a match over what belongs to it without being a word of
// its own: the apostrophe that stands for a final accent ("Nicolo'"), a
// house-number suffix ("118a", "118/B"), a phone's "+" or "(+". It
// returns the widened span and the index of its last word.
func widen(s string, words []textfold.Word, sp span, last int, k kind) (span, int) {
	switch k {
	case accented:
		if r, size := utf8.DecodeRuneInString(s[sp.end:]); isApostrophe(r) {
			if next, _ := utf8.DecodeRuneInString(s[sp.end+size:]); sp.end+size == len(s) || !isWordRune(next) {
				sp.end += size
			}
		}
	case houseNumber:
		if last+1 < len(words) {
			w := words[last+1]
			gap := s[sp.end:w.Start]
			if (gap == "" || gap == "/") && utf8.RuneCountInString(w.Folded) <= 3 {
				sp.end, last = w.End, last+1
			}
		}
	case phone:
		if strings.HasSuffix(s[:sp.start], "+") {
			sp.start--
		}
		if strings.HasSuffix(s[:sp.start], "(") && strings.Contains(s[sp.start:sp.end], ")") {
			sp.start--
		}
	}
	return sp, last
}

func isWordRune(r rune) bool { return textfold.IsWordRune(r) }

func isApostrophe(r rune) bool { return textfold.IsApostrophe(r) }
