package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TextRule is the one text policy of Serenade, applied to every free-text
// field whatever path it comes in by (API bodies, the command line, demo
// seeding). Text is
//   - valid UTF-8, refused otherwise (never silently replaced);
//   - trimmed, with CRLF line ends turned into LF, and NFC-normalised, so
//     the same name typed on two keyboards is the same string;
//   - free of C0/C1 control characters (a multi-line field may hold line
//     feeds and tabs), of bidirectional embeddings, overrides and isolates
//     (they reorder what a reader sees), of line and paragraph separators
//     and of noncharacters; a single-line field also refuses every other
//     invisible format character (zero-width spaces and joiners, word
//     joiner, byte-order mark, soft hyphen, marks, tags…) and the other
//     default-ignorable code points (Hangul fillers, the combining grapheme
//     joiner), so that no name can look like another or forge a line
//     where it is shown;
//   - at most Max characters long, counted as Unicode code points after
//     normalisation: the unit JSON Schema's maxLength uses, and the one
//     the messages name.
type TextRule struct {
	Max       int  // characters; 0 means no limit of its own
	Required  bool // empty after trimming is refused
	MultiLine bool // line feeds and tabs are allowed
}

// Text rules of the fields Serenade stores. The API schema states the
// same limits (a test holds them equal).
var (
	NameText          = TextRule{Max: 100, Required: true}                    // first and last names
	CodiceFiscaleText = TextRule{Max: 16, Required: true}                     // checked further by codicefiscale
	AddressText       = TextRule{Max: 300, Required: true}                    // the home address
	MedicalNotesText  = TextRule{Max: 20000, MultiLine: true}                 // the doctor's notes
	DiagnosisText     = TextRule{Max: 500, MultiLine: true}                   // free-text diagnosis
	AliasText         = TextRule{Max: 100, Required: true}                    // a contact's alias
	PhoneText         = TextRule{Max: 40}                                     // a contact's phone number
	EmailText         = TextRule{Max: 200}                                    // a contact's e-mail address
	HomeLineText      = TextRule{Max: 5000}                                   // short facts about a home
	HomeNotesText     = TextRule{Max: 5000, MultiLine: true}                  // notes about a home
	MessageText       = TextRule{Max: 10000, Required: true, MultiLine: true} // a ticket message
	DocumentNameText  = TextRule{Max: 255, Required: true}                    // an uploaded file's name
	ExternalNameText  = TextRule{Max: 200, Required: true}                    // a username from an identity provider
)

// NormalizeText trims s, turns CRLF into LF and puts it in NFC. It is
// idempotent, and it is what the API applies to every JSON string before
// schema validation, so that the schema counts what the domain counts.
func NormalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return norm.NFC.String(strings.TrimSpace(s))
}

// Clean normalises s and checks it against the rule; the error names
// field and says what is wrong, with the offending code point.
func (r TextRule) Clean(field, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(field, "is not valid UTF-8")
	}
	s = NormalizeText(s)
	if s == "" {
		if r.Required {
			return "", Invalid(field, "is required")
		}
		return "", nil
	}
	n := 0
	for _, c := range s {
		n++
		if what := r.forbidden(c); what != "" {
			return "", Invalid(field, "must not contain %s (U+%04X, character %d)", what, c, n)
		}
	}
	if r.Max > 0 && n > r.Max {
		return "", Invalid(field, "must be at most %d characters (got %d)", r.Max, n)
	}
	return s, nil
}

// forbidden names the class of c when the rule refuses it, or "".
func (r TextRule) forbidden(c rune) string {
	switch {
	case c == '\n' || c == '\t':
		if r.MultiLine {
			return ""
		}
		return "a line break or tab"
	case c < 0x20 || (c >= 0x7f && c <= 0x9f):
		return "a control character"
	case isBidiControl(c):
		return "a bidirectional control character"
	case c == '\u2028' || c == '\u2029':
		return "a line or paragraph separator"
	case unicode.Is(unicode.Noncharacter_Code_Point, c):
		return "a noncharacter"
	case !r.MultiLine && (unicode.Is(unicode.Cf, c) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, c)):
		return "an invisible format character"
	case r.MultiLine && (c == '\uFEFF' || c == '\u200B' || c == '\u2060'):
		return "an invisible format character"
	}
	return ""
}

// isBidiControl reports the embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which change the order in which the
// text around them is displayed.
func isBidiControl(c rune) bool {
	return (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
}
