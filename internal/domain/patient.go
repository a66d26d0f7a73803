package domain

import (
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
}

// Normalize trims free text and upper-cases the codice fiscale so that
// the same person typed twice is recognised as a duplicate.
func (id *Identity) Normalize() {
	id.FirstName = strings.TrimSpace(id.FirstName)
	id.LastName = strings.TrimSpace(id.LastName)
	id.CodiceFiscale = strings.ToUpper(strings.TrimSpace(id.CodiceFiscale))
	id.Address = strings.TrimSpace(id.Address)
	id.Diagnosis = strings.TrimSpace(id.Diagnosis)
	if id.DiagnosisClass == "" {
		id.DiagnosisClass = DiagnosisUnspecified
	}
}

// Validate checks the identity; the codice fiscale itself is checked by
// the codicefiscale package through ValidateIdentity.
func (id Identity) validateFields() error {
	switch {
	case id.FirstName == "":
		return Invalid("first_name", "is required")
	case id.LastName == "":
		return Invalid("last_name", "is required")
	case id.CodiceFiscale == "":
		return Invalid("codice_fiscale", "is required")
	case len(id.FirstName) > 100:
		return Invalid("first_name", "must be at most 100 characters")
	case len(id.LastName) > 100:
		return Invalid("last_name", "must be at most 100 characters")
	case len(id.Address) > 300:
		return Invalid("address", "must be at most 300 characters")
	case len(id.MedicalNotes) > 20000:
		return Invalid("medical_notes", "must be at most 20000 characters")
	case len(id.Diagnosis) > 500:
		return Invalid("diagnosis", "must be at most 500 characters")
	}
	for _, c := range DiagnosisClasses {
		if id.DiagnosisClass == c {
			return nil
		}
	}
	return Invalid("diagnosis_class", "must be one of %v", DiagnosisClasses)
}

// Validate checks a contact.
func (c *Contact) Validate() error {
	c.Alias = strings.TrimSpace(c.Alias)
	c.Phone = strings.TrimSpace(c.Phone)
	c.Email = strings.TrimSpace(c.Email)
	switch {
	case c.Alias == "":
		return Invalid("alias", "is required")
	case c.Phone == "" && c.Email == "":
		return Invalid("phone", "a phone number or an e-mail address is required")
	case len(c.Alias) > 100 || len(c.Phone) > 40 || len(c.Email) > 200:
		return Invalid("alias", "alias ≤ 100, phone ≤ 40 and email ≤ 200 characters")
	case c.Email != "" && !strings.Contains(c.Email, "@"):
		return Invalid("email", "is not an e-mail address")
	}
	for _, r := range c.Phone {
		if !strings.ContainsRune("+0123456789 -()/.", r) {
			return Invalid("phone", "may contain only digits, spaces and + - ( ) / .")
		}
	}
	return nil
}
