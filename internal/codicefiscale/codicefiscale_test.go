package codicefiscale

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
)

// refNow is the reference "now" of tests that must not depend on the clock.
// Expected codes below were computed independently of this package.
var refNow = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var (
	sanGiuliano = Place{Code: "A562", Name: "San Giuliano Terme", Province: "PI"}
	roma        = Place{Code: "H501", Name: "Roma", Province: "RM"}
	milano      = Place{Code: "F205", Name: "Milano", Province: "MI"}
	usa         = Place{Code: "Z404", Name: "Stati Uniti d'America", Foreign: true}
)

func TestParseAcceptsValidCodes(t *testing.T) {
	tests := []struct {
		name string
		code string
		want Info
	}{
		{"a man born in Italy has his sex, birth date and municipality decoded",
			"RSSMRA85T10A562S", decoded("RSSMRA85T10A562S", "M", date(1985, 12, 10), sanGiuliano)},
		{"a woman's code has forty added to the birth day",
			"BNCLRA90A41H501F", decoded("BNCLRA90A41H501F", "F", date(1990, 1, 1), roma)},
		{"a person born abroad has the foreign country as birth place",
			"MRTJHN70C15Z404L", decoded("MRTJHN70C15Z404L", "M", date(1970, 3, 15), usa)},
		{"an omocodia letter in the last place digit decodes like the digit",
			"RSSMRA85T10A56NH", decoded("RSSMRA85T10A56NH", "M", date(1985, 12, 10), sanGiuliano)},
		{"a code with all seven digits replaced by omocodia letters still decodes",
			"RSSMRAURTMLARSNL", decoded("RSSMRAURTMLARSNL", "M", date(1985, 12, 10), sanGiuliano)},
		{"lower case and surrounding spaces are normalised away",
			"  rssmra85t10a562s\t", decoded("RSSMRA85T10A562S", "M", date(1985, 12, 10), sanGiuliano)},
		{"29 February exists in a leap year",
			"BNCGLI00B69F205J", decoded("BNCGLI00B69F205J", "F", date(2000, 2, 29), milano)},
		{"the 31st exists in January",
			"RSSMRA85A31F205F", decoded("RSSMRA85A31F205F", "M", date(1985, 1, 31), milano)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAt(tt.code, refNow)
			if err != nil {
				t.Fatalf("parseAt(%q) error: %v", tt.code, err)
			}
			if got != tt.want {
				t.Errorf("parseAt(%q) = %+v, want %+v", tt.code, got, tt.want)
			}
		})
	}
}

// decoded is the Info Parse returns for a code read at refNow.
func decoded(code, sex string, birth time.Time, place Place) Info {
	return Info{Code: code, Sex: sex, BirthDate: birth, Place: place, yy: birth.Year() % 100}
}

func TestParseExplainsWhatIsWrong(t *testing.T) {
	const dayRange = "day out of range (expected 01-31 for males, 41-71 for females) at position 10"
	const monthDay = "day out of range for the month and year at position 10"
	tests := []struct {
		name    string
		code    string
		wantPos int
		wantMsg string
	}{
		{"an empty string has no characters", "", 0, "must be 16 characters, got 0"},
		{"a code one character short says how long it is", "RSSMRA85T10A562", 0, "must be 16 characters, got 15"},
		{"a code one character too long says how long it is", "RSSMRA85T10A562SX", 0, "must be 16 characters, got 17"},
		{"an accented letter is counted as one character and rejected", "RSSMRÀ85T10A562S", 6, "invalid character (expected an unaccented letter or a digit) at position 6"},
		{"a punctuation mark is rejected", "RSSMRA85T10A562-", 16, "invalid character (expected an unaccented letter or a digit) at position 16"},
		{"a digit among the name letters is rejected", "R5SMRA85T10A562S", 2,
			"invalid character (expected a letter) at position 2"},
		{"a letter in the year that is not an omocodia letter is rejected", "RSSMRAA5T10A562S", 7,
			"invalid character (expected a digit or an omocodia letter LMNPQRSTUV) at position 7"},
		{"a digit where the place letter belongs is rejected", "RSSMRA85T105562S", 12,
			"invalid character (expected a letter) at position 12"},
		{"a digit as check character is rejected", "RSSMRA85T10A5629", 16,
			"invalid character (expected a letter) at position 16"},
		{"a letter that is not a month is rejected", "RSSMRA85X10F205C", 9, "invalid month letter (expected one of ABCDEHLMPRST) at position 9"},
		{"day 35 is neither a male nor a female day", "RSSMRA85T35F205F", 10, dayRange},
		{"day 00 does not exist", "BNCLRA90A00F205F", 10, dayRange},
		{"day 72 is past the last female day", "BNCLRA90A72F205Q", 10, dayRange},
		{"30 February does not exist", "RSSMRA85B30F205F", 10, monthDay},
		{"29 February does not exist in a common year", "RSSMRA85B29F205Y", 10, monthDay},
		{"31 April does not exist", "RSSMRA85D31F205L", 10, monthDay},
		{"a place code missing from the list is rejected", "RSSMRA85T10Z999S", 12, "unknown place code (positions 12-15) at position 12"},
		{"a wrong check character is named by position only, never the right one", "RSSMRA85T10A562K", 16, "wrong check character at position 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAt(tt.code, refNow)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("parseAt(%q) error = %v, want *Error", tt.code, err)
			}
			if e.Pos != tt.wantPos || e.Error() != tt.wantMsg {
				t.Errorf("parseAt(%q) error = (pos %d) %q, want (pos %d) %q", tt.code, e.Pos, e.Error(), tt.wantPos, tt.wantMsg)
			}
		})
	}
}

func TestParseChoosesTheCenturyFromNow(t *testing.T) {
	tests := []struct {
		name string
		code string
		now  time.Time
		want time.Time
	}{
		{"a year this century that has already passed is in the 2000s",
			"BNCGLI25E51F205F", date(2026, 3, 15), date(2025, 5, 11)},
		{"a year this century that has not come yet is in the 1900s",
			"BNCGLI25E51F205F", date(2024, 6, 1), date(1925, 5, 11)},
		{"a birthday later in the current year is in the 1900s",
			"BNCGLI25E51F205F", date(2025, 5, 10), date(1925, 5, 11)},
		{"a birth on the reference day itself is in the 2000s",
			"BNCGLI25E51F205F", date(2025, 5, 11), date(2025, 5, 11)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAt(tt.code, tt.now)
			if err != nil {
				t.Fatalf("parseAt(%q) error: %v", tt.code, err)
			}
			if !got.BirthDate.Equal(tt.want) {
				t.Errorf("BirthDate = %s, want %s", got.BirthDate.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
	t.Run("29 February 00 read before 2000 is in 1900, which was not a leap year", func(t *testing.T) {
		_, err := parseAt("BNCGLI00B69F205J", date(1999, 12, 31))
		if err == nil || err.Error() != "day out of range for the month and year at position 10" {
			t.Errorf("error = %v, want day 29 out of range for February 1900", err)
		}
	})
}

func TestParseUsesTheCurrentTime(t *testing.T) {
	info, err := Parse("RSSMRA85T10A562S")
	if err != nil || !info.BirthDate.Equal(date(1985, 12, 10)) {
		t.Errorf("Parse = %+v, %v", info, err)
	}
	if loc := info.BirthDate.Location(); loc != time.UTC {
		t.Errorf("BirthDate location = %v, want UTC", loc)
	}
}

func TestAgeCountsCompletedYears(t *testing.T) {
	born := Info{BirthDate: date(1950, 6, 15)}
	leap := Info{BirthDate: date(2000, 2, 29)}
	rome := time.FixedZone("CEST", 2*60*60)
	tests := []struct {
		name string
		info Info
		now  time.Time
		want int
	}{
		{"the day before the 75th birthday is still 74", born, date(2025, 6, 14), 74},
		{"the 75th birthday itself is 75", born, date(2025, 6, 15), 75},
		{"the day after the 75th birthday is 75", born, date(2025, 6, 16), 75},
		{"a birthday late in the day still counts", born, time.Date(2025, 6, 15, 23, 59, 59, 0, time.UTC), 75},
		{"the birthday is judged on the calendar of now's location",
			born, time.Date(2025, 6, 15, 0, 30, 0, 0, rome), 75},
		{"someone born on 29 February is not a year older on 28 February", leap, date(2001, 2, 28), 0},
		{"someone born on 29 February is a year older on 1 March", leap, date(2001, 3, 1), 1},
		{"someone born on 29 February is a year older on 29 February of a leap year", leap, date(2004, 2, 29), 4},
		{"a time before the birth gives age zero", born, date(1940, 1, 1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.info.Age(tt.now); got != tt.want {
				t.Errorf("Age(%s) = %d, want %d", tt.now, got, tt.want)
			}
		})
	}
}

func TestAgeClassBoundaries(t *testing.T) {
	tests := []struct {
		name string
		age  int
		want string
	}{
		{"a newborn is under 75", 0, "<75"},
		{"74 is under 75", 74, "<75"},
		{"75 opens the middle class", 75, "75-85"},
		{"84 is the last age of the middle class", 84, "75-85"},
		{"85 opens 85+, as in the original", 85, "85+"},
		{"a centenarian is 85+", 102, "85+"},
		{"a negative age is under 75", -1, "<75"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AgeClass(tt.age); got != tt.want {
				t.Errorf("AgeClass(%d) = %q, want %q", tt.age, got, tt.want)
			}
		})
	}
}

// TestAgeClassChangesOnTheBirthday walks each class boundary day by day,
// for an ordinary birthday and for one on 29 February, which is reached on
// 1 March in common years (see Age). 75 and 85 are odd, so nobody born
// on 29 February reaches them on a 29 February; an even age shows that day.
func TestAgeClassChangesOnTheBirthday(t *testing.T) {
	tests := []struct {
		name                      string
		born, dayBefore, birthday time.Time
		before, after             string
	}{
		{"74 to 75", date(1951, 3, 16), date(2026, 3, 15), date(2026, 3, 16), "<75", "75-85"},
		{"84 to 85", date(1941, 3, 16), date(2026, 3, 15), date(2026, 3, 16), "75-85", "85+"},
		{"74 to 75, born 29 February, common year: 1 March", date(1952, 2, 29), date(2027, 2, 28), date(2027, 3, 1), "<75", "75-85"},
		{"84 to 85, born 29 February, common year: 1 March", date(1940, 2, 29), date(2025, 2, 28), date(2025, 3, 1), "75-85", "85+"},
		{"84 to 85, born 29 February 1944, in 2029: 1 March", date(1944, 2, 29), date(2029, 2, 28), date(2029, 3, 1), "75-85", "85+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := Info{BirthDate: tt.born}
			if got := info.AgeClass(tt.dayBefore); got != tt.before {
				t.Errorf("AgeClass on %s = %q, want %q", tt.dayBefore.Format(time.DateOnly), got, tt.before)
			}
			if got := info.AgeClass(tt.birthday); got != tt.after {
				t.Errorf("AgeClass on %s = %q, want %q", tt.birthday.Format(time.DateOnly), got, tt.after)
			}
		})
	}
	t.Run("born 29 February 1944, on 29 February 2028 (a leap year) turns 84", func(t *testing.T) {
		info := Info{BirthDate: date(1944, 2, 29)}
		if a, c := info.Age(date(2028, 2, 28)), info.Age(date(2028, 2, 29)); a != 83 || c != 84 {
			t.Errorf("Age = %d the day before, %d on 29 February; want 83, 84", a, c)
		}
	})
}

func TestLookupPlace(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		want   Place
		wantOK bool
	}{
		{"a current municipality has its province", "F205", milano, true},
		{"lower-case codes are accepted", "f205", milano, true},
		{"a foreign country has no province", "Z110", Place{Code: "Z110", Name: "Francia", Foreign: true}, true},
		{"a suppressed municipality is still known", "A003", Place{Code: "A003", Name: "Abbadia Alpina", Province: "TO"}, true},
		{"a shared code resolves to the currently active municipality", "A001", Place{Code: "A001", Name: "Abano Terme", Province: "PD"}, true},
		{"an unassigned code is unknown", "Z999", Place{}, false},
		{"a code of the wrong length is unknown", "F2050", Place{}, false},
		{"an empty code is unknown", "", Place{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LookupPlace(tt.code)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("LookupPlace(%q) = %+v, %v; want %+v, %v", tt.code, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPlaceTableIsSortedUniqueAndWellFormed(t *testing.T) {
	if !sort.SliceIsSorted(places, func(i, j int) bool { return places[i].code < places[j].code }) {
		t.Fatal("places is not sorted by code; LookupPlace's binary search needs it")
	}
	var foreign int
	for i, r := range places {
		if i > 0 && places[i-1].code == r.code {
			t.Errorf("code %s appears twice", r.code)
		}
		isForeign := r.code[0] == 'Z'
		if isForeign {
			foreign++
		}
		if len(r.code) != 4 || r.name == "" || isForeign != (r.province == "") || !isForeign && len(r.province) != 2 {
			t.Errorf("malformed row %+v", r)
		}
	}
	if len(places)-foreign < 9000 || foreign < 200 {
		t.Errorf("table has %d municipalities and %d foreign codes; too few", len(places)-foreign, foreign)
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name                string
		surname, given, sex string
		birth               time.Time
		place               string
		want                string
	}{
		{"a man's code takes surname consonants, then name consonants",
			"Rossi", "Mario", "M", date(1985, 12, 10), "A562", "RSSMRA85T10A562S"},
		{"a woman's code adds forty to the day",
			"Bianchi", "Laura", "F", date(1990, 1, 1), "H501", "BNCLRA90A41H501F"},
		{"a name with four consonants skips the second one",
			"Rossi", "Francesco", "M", date(1985, 12, 10), "A562", "RSSFNC85T10A562Z"},
		{"short names are padded with X after their vowels",
			"Fo", "Ada", "f", date(1926, 3, 24), "F205", "FOXDAA26C64F205G"},
		{"names without vowels are padded with X",
			"Ng", "Li", "M", date(1945, 1, 1), "Z110", "NGXLIX45A01Z110Q"},
		{"accents, apostrophes and spaces are ignored",
			"D'Alò", "Nicolò", "M", date(1940, 6, 15), "h501", "DLANCL40H15H501E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Build(tt.surname, tt.given, tt.sex, tt.birth, tt.place)
			if err != nil || got != tt.want {
				t.Errorf("Build = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBuildRejectsWhatItCannotEncode(t *testing.T) {
	tests := []struct {
		name                string
		surname, given, sex string
		birth               time.Time
		place               string
		wantErr             string
	}{
		{"an unknown sex", "Rossi", "Mario", "X", date(1985, 1, 1), "F205", `sex "X": must be "M" or "F"`},
		{"an unknown place", "Rossi", "Mario", "M", date(1985, 1, 1), "Z999", `unknown place code "Z999"`},
		{"a birth year before 1900", "Rossi", "Mario", "M", date(1899, 12, 31), "F205", "birth year 1899 outside 1900-2099"},
		{"an empty name", "Rossi", " ", "M", date(1985, 1, 1), "F205", `name " " has no letters`},
		{"a name in another script", "Rossi", "Иван", "M", date(1985, 1, 1), "F205", `name "Иван": unsupported character 'И'`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			_, err := Build(tt.surname, tt.given, tt.sex, tt.birth, tt.place)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Build error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestBuildOutputParsesBackToTheSamePerson(t *testing.T) {
	birth := date(1948, 2, 29)
	code, err := Build("Esposito", "Anna Maria", "F", birth, "F839")
	if err != nil {
		t.Fatal(err)
	}
	info, err := parseAt(code, refNow)
	if err != nil {
		t.Fatalf("Parse(Build) = %v", err)
	}
	if info.Sex != "F" || !info.BirthDate.Equal(birth) || info.Place.Code != "F839" {
		t.Errorf("Parse(%s) = %+v", code, info)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"RSSMRA85T10A562S", "BNCLRA90A41H501F", "MRTJHN70C15Z404L", "RSSMRAURTMLARSNL",
		"rssmra85t10a56nh", "BNCGLI00B69F205J", "RSSMRA85B30F205F", "RSSMRA85T10Z999S",
		"RSSMRA85X10F205C", "RSSMRA85T10A562K", "", "RSSMRÀ85T10A562S", "\xff\xfe\x00",
		"  RSSMRA85T10A562S  ", "ıSSMRA85T10A562S",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		info, err := parseAt(code, refNow)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" || e.Pos < 0 || e.Pos > Length {
				t.Fatalf("parseAt(%q) error %#v is not a well-formed *Error", code, err)
			}
		} else {
			checkAccepted(t, code, info)
		}
		// Random bytes almost never carry the right check character, so also
		// try the input with it repaired to reach the decoding paths.
		if n, err := normalise(code); err == nil {
			fixed := n[:15] + string(checkChar(n[:15]))
			if info, err := parseAt(fixed, refNow); err == nil {
				checkAccepted(t, fixed, info)
			}
		}
	})
}

// checkAccepted asserts the properties every accepted code must have.
func checkAccepted(t *testing.T, code string, info Info) {
	t.Helper()
	c := info.Code
	if len(c) != Length || c != strings.ToUpper(c) || c != upperASCII(strings.TrimSpace(code)) {
		t.Fatalf("parseAt(%q).Code = %q is not the normalised input", code, c)
	}
	if checkChar(c[:15]) != c[15] {
		t.Fatalf("accepted %q whose check character does not recompute", c)
	}
	again, err := parseAt(strings.ToLower(code), refNow)
	if err != nil || again != info {
		t.Fatalf("lower-case %q parses as %+v, %v; want %+v", code, again, err, info)
	}
	if info.BirthDate.After(refNow) || info.BirthDate.Year() < 1900 {
		t.Fatalf("%q decodes to birth date %s outside 1900..now", c, info.BirthDate)
	}
	if got, want := encodeBirth(info), decodeOmocodia(c)[6:15]; got != want {
		t.Fatalf("%q re-encodes as %s, want %s", c, got, want)
	}
}

// encodeBirth re-encodes positions 7-15 from the decoded fields.
func encodeBirth(info Info) string {
	date, err := datePart(info.Sex, info.BirthDate)
	if err != nil {
		return err.Error()
	}
	return date + info.Place.Code
}

// TestErrorsEchoNothingOfTheCode: the reviewer's inputs (a full-width
// letter, a wrong check character) and every single-character change of a
// valid code are refused with a message that holds no character of the
// input beyond the digits of a position, and never the right check
// character.
func TestErrorsEchoNothingOfTheCode(t *testing.T) {
	for code, want := range map[string]string{
		"CＲLMMRG41C14F205": "invalid character (expected an unaccented letter or a digit) at position 2",
		"CLMMRG41C14F205Z": "wrong check character at position 16",
	} {
		if _, err := parseAt(code, refNow); err == nil || err.Error() != want {
			t.Errorf("parseAt(%q) = %v, want %q", code, err, want)
		}
	}
	const valid = "CLMMRG41C14F205E"
	allowed := "0123456789LMNPQRSTUVABCDEHLMPRST" // positions and the lists of what a position may hold
	for i := range len(valid) {
		for _, r := range "AKXZ09Ｒé-" {
			code := valid[:i] + string(r) + valid[i+1:]
			_, err := parseAt(code, refNow)
			if err == nil {
				continue
			}
			msg := err.Error()
			if strings.ContainsRune(msg, r) && !strings.ContainsRune(allowed, r) {
				t.Errorf("parseAt(%q): %q echoes %q", code, msg, r)
			}
			if strings.Contains(msg, "'") || strings.Contains(msg, `"`) {
				t.Errorf("parseAt(%q): %q quotes something", code, msg)
			}
		}
	}
}
