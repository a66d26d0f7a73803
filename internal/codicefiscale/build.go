package codicefiscale

import (
	"fmt"
	"strings"
	"time"
)

// Build computes the codice fiscale of a person, without omocodia. It is
// meant for demo and test data: real codes are assigned by the tax agency,
// which alters clashing codes, so a real person's code may differ.
//
// Accented Latin letters count as their base letter; spaces, apostrophes,
// hyphens and dots are ignored. sex is "M" or "F" (either case). The birth
// date is read from birth's calendar day in its own location and must fall
// in 1900-2099, the only years Parse can decode. placeCode must be a known
// Belfiore code.
func Build(surname, name string, sex string, birth time.Time, placeCode string) (string, error) {
	sur, err := surnamePart(surname)
	if err != nil {
		return "", err
	}
	nam, err := namePart(name)
	if err != nil {
		return "", err
	}
	date, err := datePart(strings.ToUpper(sex), birth)
	if err != nil {
		return "", err
	}
	place, ok := LookupPlace(placeCode)
	if !ok {
		return "", fmt.Errorf("unknown place code %q", placeCode)
	}
	code := sur + nam + date + place.Code
	return code + string(checkChar(code)), nil
}

// surnamePart takes the surname's consonants, then its vowels, padded with X.
func surnamePart(surname string) (string, error) {
	cons, vows, err := splitLetters("surname", surname)
	if err != nil {
		return "", err
	}
	return pad3(cons + vows), nil
}

// namePart is like surnamePart, except that a name with four or more
// consonants skips the second one, so that "Francesco" gives FNC, not FRN.
func namePart(name string) (string, error) {
	cons, vows, err := splitLetters("name", name)
	if err != nil {
		return "", err
	}
	if len(cons) >= 4 {
		return cons[:1] + cons[2:4], nil
	}
	return pad3(cons + vows), nil
}

func pad3(s string) string {
	return (s + "XXX")[:3]
}

// splitLetters returns the consonants and the vowels of s, upper-case and
// in order. field names the argument in error messages.
func splitLetters(field, s string) (cons, vows string, err error) {
	cons, vows, bad := letters(s)
	switch {
	case bad != 0:
		return "", "", fmt.Errorf("%s %q: unsupported character %q", field, s, bad)
	case cons+vows == "":
		return "", "", fmt.Errorf("%s %q has no letters", field, s)
	}
	return cons, vows, nil
}

// datePart encodes year, month letter and day (plus 40 for women).
func datePart(sex string, birth time.Time) (string, error) {
	y, m, d := birth.Date()
	if y < 1900 || y > 2099 {
		return "", fmt.Errorf("birth year %d outside 1900-2099, the years a codice fiscale can encode", y)
	}
	switch sex {
	case "M":
	case "F":
		d += 40
	default:
		return "", fmt.Errorf("sex %q: must be \"M\" or \"F\"", sex)
	}
	return fmt.Sprintf("%02d%c%02d", y%100, monthCode[m-1], d), nil
}
