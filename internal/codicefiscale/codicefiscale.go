package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Length is the number of characters of a codice fiscale of a natural person.
const Length = 16

// Info is what a valid codice fiscale tells about its holder.
type Info struct {
	Code      string    // normalised (upper-case, trimmed) code as given
	Sex       string    // "M" or "F"
	BirthDate time.Time // UTC midnight, in the century Parse chose
	Place     Place
	yy        int // the two-digit year as coded, for BirthYears
}

// Error reports why a code was rejected. Pos is the 1-based position of the
// offending character, or 0 when the problem is not tied to one (wrong
// length). Callers can show Error() to the person who typed the code, and
// to the audit view or a log: it names positions and what a position may
// hold, never a character of the input nor anything derived from it (a
// code is personal data, and the right check character would turn the
// parser into an oracle that completes a guessed code).
type Error struct {
	Pos int
	Msg string
}

// Error returns Msg followed by the position when it is known, e.g.
// "invalid month letter 'X' at position 9".
func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("%s at position %d", e.Msg, e.Pos)
	}
	return e.Msg
}

func errorAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Layout of the code, as 0-based offsets.
const (
	monthPos  = 8  // position 9
	dayPos    = 9  // positions 10-11
	placePos  = 11 // positions 12-15
	checkPos  = 15 // position 16
	yearPos   = 6  // positions 7-8
	monthCode = "ABCDEHLMPRST"
	// omocodiaLetters replace the digits 0-9, in order, when the tax agency
	// has to tell apart two people who would otherwise get the same code.
	omocodiaLetters = "LMNPQRSTUV"
)

// numericPos lists the offsets that hold digits, or their omocodia letters.
var numericPos = [...]int{6, 7, 9, 10, 12, 13, 14}

// Parse validates a codice fiscale and decodes it. Surrounding spaces and
// lower case are accepted. The two-digit birth year is placed in the latest
// century that does not put the birth in the future, so a code read today
// for someone born in 1920 decodes as 2020: the code itself cannot tell the
// two apart. Where the holder is known to be an adult, BirthYears and
// InYear place the birth by a better rule. Errors are always *Error.
func Parse(code string) (Info, error) {
	return parseAt(code, time.Now())
}

// parseAt is Parse with the reference time used to choose the century, so
// tests do not depend on the current date.
func parseAt(code string, now time.Time) (Info, error) {
	code, err := normalise(code)
	if err != nil {
		return Info{}, err
	}
	digits := decodeOmocodia(code)
	sex, birth, err := decodeBirth(code, digits, now)
	if err != nil {
		return Info{}, err
	}
	placeCode := digits[placePos : placePos+4]
	place, ok := LookupPlace(placeCode)
	if !ok {
		return Info{}, errorAt(placePos+1, "unknown place code (positions 12-15)")
	}
	if want := checkChar(code[:checkPos]); code[checkPos] != want {
		return Info{}, errorAt(checkPos+1, "wrong check character")
	}
	return Info{Code: code, Sex: sex, BirthDate: birth, Place: place, yy: twoDigits(digits, yearPos)}, nil
}

// normalise trims and upper-cases the code after checking that every
// character is allowed where it stands. It never indexes beyond the input
// and reports positions in characters, not bytes, so any input is safe.
func normalise(code string) (string, error) {
	code = strings.TrimSpace(code)
	if n := utf8.RuneCountInString(code); n != Length {
		return "", errorAt(0, "must be %d characters, got %d", Length, n)
	}
	for i, r := range []rune(code) {
		if err := checkSyntax(i, r); err != nil {
			return "", err
		}
	}
	return upperASCII(code), nil
}

// checkSyntax checks one character against what its position may hold.
func checkSyntax(i int, r rune) *Error {
	isLetter := r < utf8.RuneSelf && ('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z')
	isDigit := '0' <= r && r <= '9'
	switch {
	case !isLetter && !isDigit:
		return errorAt(i+1, "invalid character (expected an unaccented letter or a digit)")
	case isNumericPos(i):
		if !isDigit && !strings.ContainsRune(omocodiaLetters, toUpper(r)) {
			return errorAt(i+1, "invalid character (expected a digit or an omocodia letter %s)", omocodiaLetters)
		}
	case !isLetter:
		return errorAt(i+1, "invalid character (expected a letter)")
	}
	return nil
}

func isNumericPos(i int) bool {
	for _, p := range numericPos {
		if p == i {
			return true
		}
	}
	return false
}

func toUpper(r rune) rune {
	if 'a' <= r && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

// decodeOmocodia returns the code with the omocodia letters in the numeric
// positions turned back into digits. The input is upper-case and has passed
// checkSyntax.
func decodeOmocodia(code string) string {
	b := []byte(code)
	for _, p := range numericPos {
		if i := strings.IndexByte(omocodiaLetters, b[p]); i >= 0 {
			b[p] = byte('0' + i)
		}
	}
	return string(b)
}

// decodeBirth reads sex and birth date from positions 7-11. code is the
// code as given (for messages), digits the same code with omocodia undone.
func decodeBirth(code, digits string, now time.Time) (string, time.Time, error) {
	month := strings.IndexByte(monthCode, code[monthPos]) + 1
	if month == 0 {
		return "", time.Time{}, errorAt(monthPos+1, "invalid month letter (expected one of %s)", monthCode)
	}
	day, sex := twoDigits(digits, dayPos), "M"
	switch {
	case day >= 41 && day <= 71:
		day, sex = day-40, "F"
	case day < 1 || day > 31:
		return "", time.Time{}, errorAt(dayPos+1, "day out of range (expected 01-31 for males, 41-71 for females)")
	}
	year := chooseCentury(twoDigits(digits, yearPos), time.Month(month), day, now)
	if day > daysIn(year, time.Month(month)) {
		return "", time.Time{}, errorAt(dayPos+1, "day out of range for the month and year")
	}
	return sex, time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
}

func twoDigits(s string, i int) int {
	return int(s[i]-'0')*10 + int(s[i+1]-'0')
}

// chooseCentury returns 2000+yy unless that birthday is still in the future
// at now (in now's own calendar), in which case the holder was born in the
// 1900s.
func chooseCentury(yy int, month time.Month, day int, now time.Time) int {
	year := 2000 + yy
	ny, nm, nd := now.Date()
	if year > ny || year == ny && (month > nm || month == nm && day > nd) {
		return 1900 + yy
	}
	return year
}

// daysIn returns the number of days of month in year.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// checkChar computes the control character of the first 15 characters of a
// code (upper-case letters and digits): characters in odd positions are
// mapped through oddValues, those in even positions count their plain value
// (0-9 for digits, 0-25 for letters), and the sum modulo 26 is a letter.
func checkChar(first15 string) byte {
	sum := 0
	for i := 0; i < len(first15); i++ {
		v := charValue(first15[i])
		if i%2 == 0 { // 1-based odd position
			v = oddValues[v]
		}
		sum += v
	}
	return byte('A' + sum%26)
}

// oddValues maps the plain value of a character (0-25, digits sharing the
// values of A-J) to its weight in an odd position.
var oddValues = [26]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
	20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

func charValue(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return int(c - 'A')
}
