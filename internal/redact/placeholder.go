package redact

// category is what a target stands for, and so what replaces its
// matches: the patient's own names are replaced by the caller's nickname
// of the patient, every other identifying string by the placeholder of
// its kind, so that a contact's name or a phone number never reads as the
// patient. The order is the priority when one target is of two kinds (a
// contact's alias equal to the patient's surname): the higher wins, and
// the patient's names are the highest, since the patient is the one the
// text is about and the nickname the stronger mapping.
type category uint8

const (
	email category = iota
	codiceFiscale
	phoneNumber
	address
	contact
	patientName
)

// The placeholders are the same for every patient and every role, and
// name no one: they add nothing that could join two roles' outputs
// beyond the nickname. They are written in English between brackets, a
// spelling the API keeps language-neutral; a user interface may show
// them in its own language (Placeholders).
const (
	ContactPlaceholder       = "[contact]"
	PhonePlaceholder         = "[phone]"
	EmailPlaceholder         = "[email]"
	AddressPlaceholder       = "[address]"
	CodiceFiscalePlaceholder = "[codice fiscale]"
)

// placeholders is the replacement of each category but the patient's
// names.
var placeholders = [...]string{
	email:         EmailPlaceholder,
	codiceFiscale: CodiceFiscalePlaceholder,
	phoneNumber:   PhonePlaceholder,
	address:       AddressPlaceholder,
	contact:       ContactPlaceholder,
}

// Placeholders maps each placeholder to a short name of its kind
// ("contact", "phone", "email", "address", "codice_fiscale"), for a user
// interface to look up its translation.
func Placeholders() map[string]string {
	return map[string]string{
		ContactPlaceholder:       "contact",
		PhonePlaceholder:         "phone",
		EmailPlaceholder:         "email",
		AddressPlaceholder:       "address",
		CodiceFiscalePlaceholder: "codice_fiscale",
	}
}
