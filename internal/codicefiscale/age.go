package codicefiscale

import "time"

// Age classes used to stratify patients.
const (
	AgeUnder75  = "<75"
	Age75To85   = "75-85"
	AgeOver85   = "85+"
	ageClassMin = 75
	ageClassMax = 85
)

// Age returns the completed years of the holder at now. The birthday counts
// from its calendar day in now's location, so a patient turns 80 on the
// day of the birthday wherever the clinic is. Someone born on 29 February
// completes a year on 1 March in common years: the year counted from 29
// February ends with the last day of February (art. 2963 of the Italian
// civil code, for terms falling on a day the month lacks), so the new age
// is held from the next day, which is also the date Italian practice
// gives for coming of age. A now before the birth date gives 0.
func (i Info) Age(now time.Time) int {
	by, bm, bd := i.BirthDate.Date()
	ny, nm, nd := now.Date()
	age := ny - by
	if nm < bm || nm == bm && nd < bd {
		age--
	}
	return max(age, 0)
}

// AgeClass returns the study's age class for an age in completed years,
// as the original system drew them: "<75" below 75, "75-85" from 75 to
// 84, "85+" from 85 on (the label's upper bound is exclusive).
func AgeClass(age int) string {
	switch {
	case age < ageClassMin:
		return AgeUnder75
	case age < ageClassMax:
		return Age75To85
	default:
		return AgeOver85
	}
}

// AgeClass returns the age class of the holder at now.
func (i Info) AgeClass(now time.Time) string {
	return AgeClass(i.Age(now))
}
