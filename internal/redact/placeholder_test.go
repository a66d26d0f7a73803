package redact

import (
	"slices"
	"strings"
	"testing"

	"serenade/internal/domain"
)

// rossiMario lives with his wife and keeps his son's number.
var rossiMario = domain.Patient{
	ID: 6,
	Identity: domain.Identity{
		FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "RSSMRA40A01F205X",
		Address: "Via Roma 3, 20121 Milano",
	},
	Contacts: []domain.Contact{
		{Alias: "moglie Maddalena", Phone: "347 2184590", Email: "maddalena@example.it"},
		{Alias: "figlio Luca Rossi", Phone: "02 2614 7735"},
	},
}

// TestEachKindHasItsPlaceholder: a relative, a phone, an address, an
// e-mail and a codice fiscale read as what they are, never as the
// patient; the patient's names read as the nickname.
func TestEachKindHasItsPlaceholder(t *testing.T) {
	runReview(t, []reviewCase{
		{"a contact's name is a contact", rossiMario, "lives with his wife Maddalena", "lives with his wife [contact]"},
		{"a phone is a phone", rossiMario, "call 347 2184590", "call [phone]"},
		{"names, then the address", rossiMario, "Mario Rossi, via Roma 3", "Achille, [address]"},
		{"an e-mail", rossiMario, "wrote to maddalena@example.it", "wrote to [email]"},
		{"a codice fiscale", rossiMario, "CF RSS MRA 40A01 F205X", "CF [codice fiscale]"},
		{"the patient's names in either order", rossiMario, "Rossi Mario, then MarioRossi.pdf", "Achille, then Achille.pdf"},
	})
}

// TestAdjacentMatchesOfTwoKinds: matches separated only by spaces are
// one replacement when of one kind, and stay apart when of two, but for
// names: a run of names holding a contact's is one contact, so that
// "Maddalena Rossi" never reads "[contact] Achille" (the contact shares
// the surname, and the nickname reads as her surname).
func TestAdjacentMatchesOfTwoKinds(t *testing.T) {
	two := rossiMario
	two.Contacts = append(slices.Clone(rossiMario.Contacts), domain.Contact{Alias: "vicina Bianchi"})
	runReview(t, []reviewCase{
		{"name then phone", rossiMario, "Mario Rossi 347 2184590", "Achille [phone]"},
		{"phone then name", rossiMario, "347 2184590 Mario Rossi", "[phone] Achille"},
		{"address then phone", rossiMario, "via Roma 3 02 2614 7735", "[address] [phone]"},
		{"contact then the patient's first name", rossiMario, "Maddalena Mario", "[contact]"},
		{"contact then the patient's surname", rossiMario, "Maddalena Rossi ha le chiavi", "[contact] ha le chiavi"},
		{"the patient's surname then a contact", rossiMario, "la sig.ra Rossi Maddalena", "la sig.ra [contact]"},
		{"the patient's whole name then a contact", rossiMario, "Mario Rossi Maddalena", "[contact]"},
		{"contact and surname, then a phone", rossiMario, "Maddalena Rossi 347 2184590", "[contact] [phone]"},
		{"surname, comma, name: a way to write the contact's name", rossiMario, "Rossi, Maddalena", "[contact]"},
		{"the patient's surname on the next line", rossiMario, "Maddalena\nRossi", "[contact]\nAchille"},
		{"two contacts side by side are one", two, "Maddalena Bianchi", "[contact]"},
		{"two phones side by side are one", rossiMario, "347 2184590 02 2614 7735", "[phone]"},
	})
}

// TestContactGluedToTheSurname: a contact's name glued to the patient's
// surname, in either order, is the contact, as it is written apart.
func TestContactGluedToTheSurname(t *testing.T) {
	runReview(t, []reviewCase{
		{"name then surname", rossiMario, "MaddalenaRossi ha chiamato", "[contact] ha chiamato"},
		{"surname then name", rossiMario, "rossimaddalena@gmail.com", "[contact]@gmail.com"},
		{"the patient's own glued names stay the patient", rossiMario, "MarioRossi.pdf", "Achille.pdf"},
	})
}

// TestTargetOfTwoKinds: a contact sharing the patient's surname. The
// surname alone is the patient (the stronger mapping); the contact's
// whole name, a longer match, is the contact.
func TestTargetOfTwoKinds(t *testing.T) {
	runReview(t, []reviewCase{
		{"the surname alone is the patient", rossiMario, "il sig. Rossi", "il sig. Achille"},
		{"the contact's first name", rossiMario, "Luca ha le chiavi", "[contact] ha le chiavi"},
		{"the contact's whole name", rossiMario, "Luca Rossi ha le chiavi", "[contact] ha le chiavi"},
	})
}

// TestPlaceholdersAreKept: a text already redacted, or quoting a
// placeholder, is left as it is, even when a word of the placeholder is
// a target (a patient called Fiscale, a contact called Address).
func TestPlaceholdersAreKept(t *testing.T) {
	p := rossiMario
	p.Identity.LastName = "Fiscale"
	p.Contacts = []domain.Contact{{Alias: "Contact Address", Phone: "347 2184590"}}
	r := New(p, nickname)
	for in, want := range map[string]string{
		"sig. Fiscale, CF RSSMRA40A01F205X": "sig. Achille, CF [codice fiscale]",
		"Address, 347 2184590":              "[contact], [phone]",
		"[contact] [address] [phone]":       "[contact] [address] [phone]",
		"[codice fiscale][contact]":         "[codice fiscale][contact]",
		"[Address] [fiscale]":               "[[contact]]", // not written as a placeholder: the contact's name and the surname, two punctuation marks apart
		"[Address] and [fiscale]":           "[[contact]] and [Achille]",
	} {
		got := r.Redact(in)
		if got != want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", in, got, want)
		}
		if again := r.Redact(got); again != got {
			t.Errorf("a second pass changed %q into %q", got, again)
		}
	}
}

// TestPlaceholdersNameNoOne: every placeholder is listed for
// translation, is bracketed, and none is the nickname's kind.
func TestPlaceholdersNameNoOne(t *testing.T) {
	names := Placeholders()
	if len(names) != len(placeholders) {
		t.Fatalf("Placeholders lists %d, the redaction writes %d", len(names), len(placeholders))
	}
	for c, p := range placeholders {
		if names[p] == "" {
			t.Errorf("placeholder %q of category %d has no name", p, c)
		}
		if !strings.HasPrefix(p, "[") || !strings.HasSuffix(p, "]") {
			t.Errorf("placeholder %q is not bracketed", p)
		}
	}
	if got := New(rossiMario, nickname).replacement(patientName); got != nickname {
		t.Errorf("the patient's names are replaced by %q", got)
	}
}
