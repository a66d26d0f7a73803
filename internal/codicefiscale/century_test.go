package codicefiscale

import (
	"slices"
	"testing"
	"time"
)

// today is the reference day of the century tests.
var today = date(2026, 11, 29)

func TestBirthYearsPlaceAnAdultsCode(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		rule  Rule
		want  []int
		age   int
		class string
	}{
		{"a man born 10 March 1924 is 102, not 2", "VRDGNN24C10F205I", Rule{Now: today}, []int{1924}, 102, "85+"},
		{"a code from 1985 stays in 1985", "RSSMRA85T10A562S", Rule{Now: today}, []int{1985}, 40, "<75"},
		{"a birthday later this year does not make a minor an adult", "VRDGNN08T10F205R", Rule{Now: today}, []int{1908}, 117, "85+"},
		{"an age of 20 or 120 leaves both centuries", "VRDGNN06A01F205A", Rule{Now: today}, []int{1906, 2006}, 0, ""},
		{"a higher minimum age removes the younger century", "VRDGNN06A01F205A", Rule{Now: today, MinAge: 21}, []int{1906}, 120, "85+"},
		{"MaxAge bounds the older century", "VRDGNN00A01F205U", Rule{Now: today}, []int{2000}, 26, "<75"},
		{"a code no century makes old enough has none", "VRDGNN24C10F205I", Rule{Now: today, MinAge: 110}, nil, 0, ""},
		{"a reading past MaxAge is not plausible", "VRDGNN10A01F205T", Rule{Now: date(2136, 1, 2)}, []int{2110}, 26, "<75"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := mustParse(t, tt.code)
			got := info.BirthYears(tt.rule)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("BirthYears = %v, want %v", got, tt.want)
			}
			if len(got) != 1 {
				return
			}
			placed, ok := info.InYear(got[0], tt.rule)
			if !ok || placed.Age(tt.rule.Now) != tt.age || placed.AgeClass(tt.rule.Now) != tt.class {
				t.Errorf("InYear(%d) = %s, %v: age %d %q; want %d %q", got[0], placed.BirthDate.Format(time.DateOnly), ok,
					placed.Age(tt.rule.Now), placed.AgeClass(tt.rule.Now), tt.age, tt.class)
			}
		})
	}
}

func TestBirthYearsOfTheCentenarianAreExactlyTheDecodedDate(t *testing.T) {
	info := mustParse(t, "VRDGNN24C10F205I")
	placed, ok := info.InYear(1924, Rule{Now: today})
	if !ok || !placed.BirthDate.Equal(date(1924, 3, 10)) || placed.Sex != "M" {
		t.Fatalf("InYear(1924) = %+v, %v; want a man born 1924-03-10", placed, ok)
	}
	if _, ok := info.InYear(2024, Rule{Now: today}); ok {
		t.Error("InYear(2024) accepted a two-year-old as a participant")
	}
}

func TestBirthYearsKnowWhich29FebruaryExists(t *testing.T) {
	// 29 February 00: 2000 was a leap year, 1900 was not.
	info := mustParse(t, "BNCGLI00B69F205J")
	if got := info.BirthYears(Rule{Now: date(2030, 1, 1), MinAge: 18}); !slices.Equal(got, []int{2000}) {
		t.Errorf("BirthYears = %v, want [2000]", got)
	}
	if info.HasYear(1900) || !info.HasYear(2000) || info.HasYear(1999) {
		t.Error("HasYear does not follow the calendar and the coded digits")
	}
}

func TestBirthYearsComeOfAgeOnTheBirthday(t *testing.T) {
	info := mustParse(t, "VRDGNN08T10F205R") // 10 December 08
	eve, day := date(2026, 12, 9), date(2026, 12, 10)
	if got := info.BirthYears(Rule{Now: eve}); !slices.Equal(got, []int{1908}) {
		t.Errorf("the day before the 18th birthday: %v, want [1908]", got)
	}
	if got := info.BirthYears(Rule{Now: day}); !slices.Equal(got, []int{1908, 2008}) {
		t.Errorf("on the 18th birthday: %v, want [1908 2008]", got)
	}
}

func mustParse(t *testing.T, code string) Info {
	t.Helper()
	info, err := parseAt(code, today)
	if err != nil {
		t.Fatalf("parseAt(%q): %v", code, err)
	}
	return info
}
