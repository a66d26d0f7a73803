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
//   - in a field that says who or where someone is (Compat: names,
//     address, codice fiscale, contact alias, phone, e-mail), NFKC- rather
//     than NFC-normalised: full-width (Ｍａｒｉｏ), mathematical (𝐌𝐚𝐫𝐢𝐨)
//     and circled letters, ligatures (ﬁ), superscript digits and the
//     like are stored as their plain letters and digits, so that the
//     duplicate check, the codice fiscale check, search and redaction see
//     the name everyone else types. Free text (notes, messages) and file
//     names keep what was written beyond NFC: there a compatibility
//     character may be meant (a ², a ½), and nobody is identified by it;
//   - in a single-line field, every run of white space inside the text
//     (any Unicode space separator: no-break, ideographic U+3000, Ogham
//     U+1680, em U+2003…) collapsed into one U+0020, so that "Ma\u3000rio"
//     and "Mario  Rossi" are not other names than "Ma rio" and
//     "Mario Rossi". Collapsing rather than refusing: such spaces come in
//     by pasting from word processors, and are no one's intent;
//   - free of C0/C1 control characters (a multi-line field may hold line
//     feeds and tabs), of bidirectional embeddings, overrides and isolates
//     (they reorder what a reader sees), of line and paragraph separators
//     and of noncharacters;
//   - free, in every field, of what shows as nothing: every format
//     character (general category Cf: zero-width spaces and joiners,
//     directional marks such as RLM and ALM, the soft hyphen, tag
//     characters, interlinear annotations…) and every other
//     Default_Ignorable_Code_Point (variation selectors, Hangul fillers,
//     the combining grapheme joiner), and the blank braille pattern. Such
//     a character inside a word makes one name look like another and
//     hides it from redaction ("D'Ang\u115Felo"). The one exception is
//     emoji: a multi-line field keeps a variation selector after a symbol
//     and a zero-width joiner between two ("👨\u200D🔧");
//   - in a single-line field, also free of line breaks, tabs and
//     private-use characters (which show as whatever a font puts there);
//   - not begun by a combining mark (which would combine with whatever is
//     shown before the field: a lone accent is not a name); a rule may
//     also require a letter (a name, an alias or an address of digits
//     and punctuation only, "---" or "1", is none);
//   - at most Max characters long, counted as Unicode code points after
//     normalisation: the unit JSON Schema's maxLength uses, and the one
//     the messages name.
type TextRule struct {
	Max       int  // characters; 0 means no limit of its own
	Required  bool // empty after trimming is refused
	MultiLine bool // line feeds and tabs are allowed
	Letter    bool // at least one letter (unicode.IsLetter) is required
	Compat    bool // NFKC instead of NFC: compatibility characters become plain ones
}

// Text rules of the fields Serenade stores. The API schema states the
// same limits (a test holds them equal).
var (
	NameText          = TextRule{Max: 100, Required: true, Letter: true, Compat: true} // first and last names
	CodiceFiscaleText = TextRule{Max: 16, Required: true, Compat: true}                // checked further by codicefiscale
	AddressText       = TextRule{Max: 300, Required: true, Letter: true, Compat: true} // the home address
	MedicalNotesText  = TextRule{Max: 20000, MultiLine: true}                          // the doctor's notes
	DiagnosisText     = TextRule{Max: 500, MultiLine: true}                            // free-text diagnosis
	AliasText         = TextRule{Max: 100, Required: true, Letter: true, Compat: true} // a contact's alias
	PhoneText         = TextRule{Max: 40, Compat: true}                                // a contact's phone number
	EmailText         = TextRule{Max: 200, Compat: true}                               // a contact's e-mail address
	HomeLineText      = TextRule{Max: 5000}                                            // short facts about a home
	HomeNotesText     = TextRule{Max: 5000, MultiLine: true}                           // notes about a home
	MessageText       = TextRule{Max: 10000, Required: true, MultiLine: true}          // a ticket message
	DocumentNameText  = TextRule{Max: 255, Required: true}                             // an uploaded file's name
	ExternalNameText  = TextRule{Max: 200, Required: true}                             // a username from an identity provider
	// QueryText is the rule of every string query parameter: single-line,
	// optional (an empty value is an absent filter), no limit of its own
	// (the parameter's schema states one).
	QueryText = TextRule{}
)

// NormalizeText trims s, turns CRLF into LF and puts it in NFC. It is
// idempotent, and it is what the API applies to every JSON string before
// schema validation, so that the schema counts what the domain counts.
func NormalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return norm.NFC.String(strings.TrimSpace(s))
}

// normalize is NormalizeText under the rule: NFKC for a Compat field,
// and inner white space collapsed in a single-line field.
func (r TextRule) normalize(s string) string {
	if !r.Compat && r.MultiLine {
		return NormalizeText(s)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if r.Compat {
		s = norm.NFKC.String(s)
	} else {
		s = norm.NFC.String(s)
	}
	if !r.MultiLine {
		s = collapseSpaces(s)
	}
	return strings.TrimSpace(s)
}

// collapseSpaces turns every run of space separators (general category
// Zs) into one U+0020. Line breaks and tabs are left to the rule, which
// refuses them in a single-line field.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for _, c := range s {
		if unicode.Is(unicode.Zs, c) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteRune(c)
	}
	return b.String()
}

// Clean normalises s and checks it against the rule; the error names
// field and says what is wrong, with the offending code point.
func (r TextRule) Clean(field, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(field, "is not valid UTF-8")
	}
	s = r.normalize(s)
	if s == "" {
		if r.Required {
			return "", Invalid(field, "is required")
		}
		return "", nil
	}
	n, letter := 0, false
	prev := rune(-1)
	for i, c := range s {
		n++
		next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(c):])
		if what := r.forbidden(prev, c, next); what != "" {
			return "", Invalid(field, "must not contain %s (U+%04X, character %d)", what, c, n)
		}
		if n == 1 && unicode.Is(unicode.M, c) {
			return "", Invalid(field, "must not begin with a combining mark (U+%04X)", c)
		}
		letter = letter || unicode.IsLetter(c)
		prev = c
	}
	if r.Letter && !letter {
		return "", Invalid(field, "must contain a letter")
	}
	if r.Max > 0 && n > r.Max {
		return "", Invalid(field, "must be at most %d characters (got %d)", r.Max, n)
	}
	return s, nil
}

// forbidden names the class of c, between prev and next (-1 or
// utf8.RuneError at either end), when the rule refuses it, or "".
func (r TextRule) forbidden(prev, c, next rune) string {
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
	case r.MultiLine && inEmoji(prev, c, next):
		return ""
	case isInvisible(c):
		return "an invisible format character"
	case c == '\u2800':
		return "a blank braille pattern"
	case !r.MultiLine && unicode.Is(unicode.Co, c):
		return "a private-use character"
	}
	return ""
}

// isInvisible reports the format characters (Cf, which includes the
// interlinear annotations and the Egyptian format controls that
// Default_Ignorable_Code_Point leaves out) and the rest of the derived
// Default_Ignorable_Code_Point property (DerivedCoreProperties.txt:
// Other_Default_Ignorable_Code_Point + Cf + Variation_Selector, minus
// white space, which trimming and the control rule deal with).
func isInvisible(c rune) bool {
	return unicode.In(c, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) &&
		!unicode.Is(unicode.White_Space, c)
}

// inEmoji reports the two invisible characters emoji are made of: a text
// or emoji presentation selector (U+FE0E, U+FE0F) right after a symbol
// ("❤\uFE0F"), and a zero-width joiner between two symbols, the first
// possibly with its selector or skin tone ("👩🏽\u200D🔧"). After a letter
// they are what they are elsewhere: invisible.
func inEmoji(prev, c, next rune) bool {
	switch c {
	case '\uFE0E', '\uFE0F':
		return isEmojiSymbol(prev)
	case '\u200D':
		return (isEmojiSymbol(prev) || prev == '\uFE0F' || unicode.Is(unicode.Sk, prev)) && isEmojiSymbol(next)
	}
	return false
}

func isEmojiSymbol(c rune) bool { return unicode.In(c, unicode.So, unicode.Sm) }

// isBidiControl reports the embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which change the order in which the
// text around them is displayed.
func isBidiControl(c rune) bool {
	return (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
}
