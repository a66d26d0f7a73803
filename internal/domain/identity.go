package domain

import (
	"errors"
	"fmt"
	"time"

	"serenade/internal/codicefiscale"
)

// DefaultMinParticipantAge is the youngest age at which a codice fiscale
// is read as a participant's when the configuration names none.
const DefaultMinParticipantAge = codicefiscale.DefaultMinAge

// ValidateIdentity cleans every field under the text policy and checks
// the identity: the codice fiscale (format, omocodia, month, day, place,
// check character), the names against its first six letters, and the
// birth year, which it places by rule (see placeBirth) and records in
// id.BirthYear.
func ValidateIdentity(id *Identity, rule codicefiscale.Rule) error {
	info, err := id.check()
	if err != nil {
		return err
	}
	return id.placeBirth(info, rule)
}

// ValidateIdentityUpdate is ValidateIdentity for a replacement of cur:
// when the codice fiscale is unchanged and no other birth year is given,
// the year confirmed at enrolment stays, whatever the rule says today (an
// unambiguous code may become ambiguous as its holder ages).
func ValidateIdentityUpdate(id *Identity, cur Identity, rule codicefiscale.Rule) error {
	info, err := id.check()
	if err != nil {
		return err
	}
	if keep := cur.BirthYear; keep != 0 && id.CodiceFiscale == cur.CodiceFiscale && (id.BirthYear == 0 || id.BirthYear == keep) {
		id.BirthYear = keep
		return nil
	}
	return id.placeBirth(info, rule)
}

// check cleans the fields, decodes the codice fiscale and matches the
// names against it.
func (id *Identity) check() (codicefiscale.Info, error) {
	if err := id.clean(); err != nil {
		return codicefiscale.Info{}, err
	}
	info, err := codicefiscale.Parse(id.CodiceFiscale)
	if err != nil {
		return codicefiscale.Info{}, Invalid("codice_fiscale", "%s", err.Error())
	}
	var ne *codicefiscale.NameError
	if err := codicefiscale.CheckNames(info, id.LastName, id.FirstName); errors.As(err, &ne) {
		return codicefiscale.Info{}, Invalid(nameField(ne.Part), "%s", ne.Msg)
	}
	return info, nil
}

// nameField is the JSON field of a name part of the code.
func nameField(part string) string {
	if part == codicefiscale.PartSurname {
		return "last_name"
	}
	return "first_name"
}

// placeBirth sets id.BirthYear to the year the code's two digits stand
// for: the only plausible one under rule, or the one the doctor confirmed
// among two. No plausible year, an unconfirmed choice or a confirmation
// outside the plausible years is invalid input.
func (id *Identity) placeBirth(info codicefiscale.Info, rule codicefiscale.Rule) error {
	years := info.BirthYears(rule)
	switch {
	case len(years) == 0:
		return Invalid("codice_fiscale", "the birth date it encodes gives no age from %d to %d years today", minAge(rule), codicefiscale.MaxAge)
	case id.BirthYear != 0:
		if _, ok := info.InYear(id.BirthYear, rule); !ok {
			return Invalid("birth_year", "must be one of the years the codice fiscale admits: %s", orList(years))
		}
	case len(years) > 1:
		return Invalid("birth_year", "the codice fiscale admits birth in %s: confirm the birth year", orList(years))
	default:
		id.BirthYear = years[0]
	}
	return nil
}

func minAge(rule codicefiscale.Rule) int {
	if rule.MinAge > 0 {
		return rule.MinAge
	}
	return DefaultMinParticipantAge
}

// orList spells years as "1906 or 2006".
func orList(years []int) string {
	s := ""
	for i, y := range years {
		if i > 0 {
			s += " or "
		}
		s += fmt.Sprint(y)
	}
	return s
}

// Derived is what the codice fiscale says about a patient: never typed
// twice, always computed.
type Derived struct {
	Sex        string
	BirthDate  time.Time
	BirthPlace codicefiscale.Place
	Age        int
	AgeClass   string
}

// Derive decodes the identity's codice fiscale at time now, with the
// birth in the year recorded at enrolment. An identity stored before
// years were recorded is placed by the default rule at now, and derives
// nothing while that leaves two years.
func (id Identity) Derive(now time.Time) (Derived, error) {
	info, err := codicefiscale.Parse(id.CodiceFiscale)
	if err != nil {
		return Derived{}, Invalid("codice_fiscale", "%s", err.Error())
	}
	year := id.BirthYear
	if year == 0 {
		if years := info.BirthYears(codicefiscale.Rule{Now: now}); len(years) == 1 {
			year = years[0]
		}
	}
	if !info.HasYear(year) {
		return Derived{}, Invalid("birth_year", "the birth year is not known")
	}
	info = info.InYearUnchecked(year)
	return Derived{
		Sex:        info.Sex,
		BirthDate:  info.BirthDate,
		BirthPlace: info.Place,
		Age:        info.Age(now),
		AgeClass:   info.AgeClass(now),
	}, nil
}
