package domain

import (
	"slices"
	"strings"
	"time"
)

// DiagnosisClass is the coarse neurological diagnosis researchers may
// see in the screening data; the doctor's free-text diagnosis stays in
// the medical record.
type DiagnosisClass string

const (
	DiagnosisMCI         DiagnosisClass = "mci"         // mild cognitive impairment
	DiagnosisAlzheimer   DiagnosisClass = "alzheimer"   // Alzheimer's disease
	DiagnosisParkinson   DiagnosisClass = "parkinson"   // Parkinson's disease
	DiagnosisLewyBody    DiagnosisClass = "lewy-body"   // dementia with Lewy bodies
	DiagnosisVascular    DiagnosisClass = "vascular"    // vascular dementia
	DiagnosisFrontotemp  DiagnosisClass = "ftd"         // frontotemporal dementia
	DiagnosisOther       DiagnosisClass = "other"       // any other neurodegenerative condition
	DiagnosisUnspecified DiagnosisClass = "unspecified" // not yet classified
)

// DiagnosisClasses lists the accepted classes.
var DiagnosisClasses = []DiagnosisClass{
	DiagnosisMCI, DiagnosisAlzheimer, DiagnosisParkinson, DiagnosisLewyBody,
	DiagnosisVascular, DiagnosisFrontotemp, DiagnosisOther, DiagnosisUnspecified,
}

// Identity is what a doctor types about a patient. All of it is
// identifying or medical and is stored only encrypted.
type Identity struct {
	FirstName      string         `json:"first_name"`
	LastName       string         `json:"last_name"`
	CodiceFiscale  string         `json:"codice_fiscale"`
	Address        string         `json:"address"`
	MedicalNotes   string         `json:"medical_notes"`
	Diagnosis      string         `json:"diagnosis"`       // free-text neurological diagnosis
	DiagnosisClass DiagnosisClass `json:"diagnosis_class"` // screening class
	// BirthYear is the four-digit year the codice fiscale's two digits
	// stand for: placed at enrolment by the participant rule, or
	// confirmed by the doctor where two centuries are plausible. Zero in
	// input means "not confirmed"; identities stored before it existed
	// have none.
	BirthYear int `json:"birth_year,omitempty"`
}

// Contact is a way to reach the patient's home (a relative, a carer).
type Contact struct {
	ID    int64  `json:"id"`
	Alias string `json:"alias"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Patient is an enrolled (or withdrawn) study participant.
type Patient struct {
	ID          int64
	Identity    Identity // zero after withdrawal
	DateJoin    time.Time
	Contacts    []Contact
	CreatedAt   time.Time
	UpdatedAt   time.Time
	WithdrawnAt *time.Time
}

// Withdrawn reports whether the patient left the study (identity erased).
func (p Patient) Withdrawn() bool { return p.WithdrawnAt != nil }

// NewPatient is the input of an enrolment.
type NewPatient struct {
	Identity Identity
	DateJoin time.Time // defaults to today
	Contacts []Contact
	// Context is the home context the doctor learnt at enrolment, if
	// any; installers complete it at the visit.
	Context HomeContext
}

// textField is one free-text field of an input with its JSON name and rule.
type textField struct {
	name string
	v    *string
	rule TextRule
}

// cleanAll applies each field's rule in order and stops at the first
// refusal, which names the field.
func cleanAll(fields []textField) error {
	for _, f := range fields {
		s, err := f.rule.Clean(f.name, *f.v)
		if err != nil {
			return err
		}
		*f.v = s
	}
	return nil
}

// clean applies the text policy to every field, upper-cases the codice
// fiscale (the same person typed twice is a duplicate) and checks the
// diagnosis class. The codice fiscale itself is checked by the
// codicefiscale package through ValidateIdentity.
func (id *Identity) clean() error {
	if err := cleanAll(id.textFields()); err != nil {
		return err
	}
	id.CodiceFiscale = strings.ToUpper(id.CodiceFiscale)
	if id.DiagnosisClass == "" {
		id.DiagnosisClass = DiagnosisUnspecified
	}
	if !slices.Contains(DiagnosisClasses, id.DiagnosisClass) {
		return Invalid("diagnosis_class", "must be one of %v", DiagnosisClasses)
	}
	return nil
}

// textFields pairs the identity's free-text fields with their JSON names
// and rules (also the source of their entries in Limits).
func (id *Identity) textFields() []textField {
	return []textField{
		{"first_name", &id.FirstName, NameText}, {"last_name", &id.LastName, NameText},
		{"codice_fiscale", &id.CodiceFiscale, CodiceFiscaleText}, {"address", &id.Address, AddressText},
		{"medical_notes", &id.MedicalNotes, MedicalNotesText}, {"diagnosis", &id.Diagnosis, DiagnosisText},
	}
}

// CleanAddress applies the text policy to a home address on its own (the
// installers' edit).
func CleanAddress(s string) (string, error) { return AddressText.Clean("address", s) }

// Validate cleans and checks a contact: an alias, and a phone number or a
// proper e-mail address.
func (c *Contact) Validate() error {
	err := cleanAll(c.textFields())
	switch {
	case err != nil:
		return err
	case c.Phone == "" && c.Email == "":
		return Invalid("phone", "a phone number or an e-mail address is required")
	case c.Email != "":
		if c.Email, err = CleanEmail(c.Email); err != nil {
			return err
		}
	}
	return validatePhone(c.Phone)
}

// textFields pairs the contact's fields with their JSON names and rules.
func (c *Contact) textFields() []textField {
	return []textField{{"alias", &c.Alias, AliasText}, {"phone", &c.Phone, PhoneText}, {"email", &c.Email, EmailText}}
}

// validatePhone accepts digits and the usual separators, with at least
// one digit.
func validatePhone(p string) error {
	if p == "" {
		return nil
	}
	for _, r := range p {
		if !strings.ContainsRune("+0123456789 -()/.", r) {
			return Invalid("phone", "may contain only digits, spaces and + - ( ) / .")
		}
	}
	if !strings.ContainsAny(p, "0123456789") {
		return Invalid("phone", "must contain digits")
	}
	return nil
}

// EarliestDateJoin is the first enrolment date Serenade accepts: the
// study and its predecessor began well after it, so an earlier date is a
// typing error (1800 for 2018).
var EarliestDateJoin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateDateJoin bounds an enrolment date to [2000-01-01, today + 1 day]
// at now (UTC). The day of slack lets a clinic a time zone ahead of UTC
// enrol someone "today" just after its midnight.
func ValidateDateJoin(d, now time.Time) error {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	now = now.UTC()
	latest := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	if day.Before(EarliestDateJoin) || day.After(latest) {
		return Invalid("date_join", "must be between %s and %s (tomorrow)", EarliestDateJoin.Format(time.DateOnly), latest.Format(time.DateOnly))
	}
	return nil
}

// DateJoinBeforeCollection refuses an enrolment date after the day data
// collection started (start nil: not started, any date goes).
func DateJoinBeforeCollection(day time.Time, start *time.Time) error {
	if start == nil {
		return nil
	}
	s := start.UTC()
	first := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	if day.After(first) {
		return Invalid("date_join", "must not be after the start of data collection (%s)", first.Format(time.DateOnly))
	}
	return nil
}
