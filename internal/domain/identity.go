package domain

import (
	"time"

	"serenade/internal/codicefiscale"
)

// ValidateIdentity cleans every field under the text policy and checks
// the identity, including the codice fiscale (format, omocodia, month, day, place, check character).
func ValidateIdentity(id *Identity) error {
	if err := id.clean(); err != nil {
		return err
	}
	if _, err := codicefiscale.Parse(id.CodiceFiscale); err != nil {
		return Invalid("codice_fiscale", "%s", err.Error())
	}
	return nil
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

// Derive decodes the identity's codice fiscale at time now.
func (id Identity) Derive(now time.Time) (Derived, error) {
	info, err := codicefiscale.Parse(id.CodiceFiscale)
	if err != nil {
		return Derived{}, Invalid("codice_fiscale", "%s", err.Error())
	}
	return Derived{
		Sex:        info.Sex,
		BirthDate:  info.BirthDate,
		BirthPlace: info.Place,
		Age:        info.Age(now),
		AgeClass:   info.AgeClass(now),
	}, nil
}
