package codicefiscale

import (
	"strings"
	"unicode"

	"serenade/internal/textfold"
)

// Name parts a code's first six characters encode.
const (
	PartSurname   = "surname"
	PartFirstName = "first_name"
)

// NameError says which name part disagrees with a code, or cannot be
// encoded at all. Like Error, it never quotes the name nor the code.
type NameError struct {
	Part string // PartSurname or PartFirstName
	Msg  string
}

func (e *NameError) Error() string { return e.Part + ": " + e.Msg }

// CheckNames reports whether surname and first name give the letters in
// positions 1-6 of the code, as the tax agency derives them: accents are
// dropped, spaces, apostrophes, hyphens and dots ignored, a first name
// with four or more consonants skips the second, short parts are padded
// with X. Omocodia replaces digits only, never these six letters, so an
// omocodic code is checked the same way.
func CheckNames(info Info, surname, firstName string) error {
	if err := checkPart(PartSurname, surname, info.Code[0:3], surnamePart); err != nil {
		return err
	}
	return checkPart(PartFirstName, firstName, info.Code[3:6], namePart)
}

func checkPart(part, name, coded string, encode func(string) (string, error)) error {
	if _, _, bad := letters(name); bad != 0 {
		return &NameError{Part: part, Msg: "contains a letter the codice fiscale cannot encode: type it in Latin letters, as on the tax code card"}
	}
	got, err := encode(name)
	if err != nil {
		return &NameError{Part: part, Msg: "has no letters the codice fiscale can encode"}
	}
	if got != coded {
		return &NameError{Part: part, Msg: "does not match the codice fiscale"}
	}
	return nil
}

// letters folds s (textfold.Fold: accents off, case folded, ß to ss,
// Ø to O and Ł to L as Unicode's Latin-ASCII transform spells them) and returns its
// consonants and vowels upper-case, in order, skipping separators; bad is
// the first character that is neither, or 0.
func letters(s string) (cons, vows string, bad rune) {
	var c, v strings.Builder
	for _, r := range textfold.Fold(s) {
		r = unicode.ToUpper(r)
		switch {
		case strings.ContainsRune(" '’‘`´-.", r):
		case strings.ContainsRune("AEIOU", r):
			v.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			c.WriteRune(r)
		default:
			return "", "", r
		}
	}
	return c.String(), v.String(), 0
}
