package codicefiscale

import (
	"slices"
	"time"
)

// DefaultMinAge is the youngest age BirthYears admits when the rule names
// none: study participants are adults.
const DefaultMinAge = 18

// MaxAge is the oldest age BirthYears admits. The oldest person whose age
// was ever verified lived 122 years; 125 leaves a margin, and keeps the
// span of plausible ages under two centuries' worth of one two-digit
// year, so at most two years ever remain.
const MaxAge = 125

// Rule places the two-digit year of a code in a century: the birth must
// not be after Now and must give an age from MinAge to MaxAge at Now.
type Rule struct {
	Now    time.Time
	MinAge int // 0 means DefaultMinAge
}

func (r Rule) minAge() int {
	if r.MinAge <= 0 {
		return DefaultMinAge
	}
	return r.MinAge
}

// BirthYears returns, in ascending order, the years the holder may have
// been born in under r: years ending in the coded two digits in which the
// coded day exists (29 February only in leap years) and that give an age
// from r's minimum to MaxAge at r.Now. None means the code cannot be an
// adult's; two mean the code alone cannot tell, and someone who knows the
// holder must say which.
func (i Info) BirthYears(r Rule) []int {
	var years []int
	for year := r.Now.Year() - MaxAge - 1; year <= r.Now.Year(); year++ {
		if !i.HasYear(year) || i.inYear(year).After(r.Now) {
			continue
		}
		if age := i.InYearUnchecked(year).Age(r.Now); age >= r.minAge() && age <= MaxAge {
			years = append(years, year)
		}
	}
	return years
}

// InYear returns i with the birth placed in year, which must be one of
// BirthYears(r); ok is false otherwise.
func (i Info) InYear(year int, r Rule) (Info, bool) {
	if !slices.Contains(i.BirthYears(r), year) {
		return Info{}, false
	}
	return i.InYearUnchecked(year), true
}

// InYearUnchecked returns i with the birth placed in year whatever the
// rule says, for a year confirmed earlier; callers check HasYear first.
func (i Info) InYearUnchecked(year int) Info {
	i.BirthDate = i.inYear(year)
	return i
}

// inYear is the coded month and day in year, at UTC midnight.
func (i Info) inYear(year int) time.Time {
	_, month, day := i.BirthDate.Date()
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// HasYear reports whether year ends in the coded two digits and has the
// coded day (29 February only in leap years).
func (i Info) HasYear(year int) bool {
	_, month, day := i.BirthDate.Date()
	return year%100 == i.yy && year > 0 && day <= daysIn(year, month)
}
