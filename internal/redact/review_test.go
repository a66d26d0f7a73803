package redact

import (
	"testing"

	"serenade/internal/domain"
)

// colombo is the second review's patient.
var colombo = domain.Patient{
	ID: 3,
	Identity: domain.Identity{
		FirstName: "Ambrogio", LastName: "Colombo", CodiceFiscale: "CLMMRG41C14F205E",
		Address: "Via Padova 118, 20127 Milano",
	},
	Contacts: []domain.Contact{{Alias: "figlia", Phone: "+39 347 218 4590"}},
}

type reviewCase struct {
	name    string
	patient domain.Patient
	in      string
	want    string
}

func runReview(t *testing.T, cases []reviewCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := New(c.patient, nickname).Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// TestOtherSpellingsOfTheSameKind are the second review's spellings that
// were missed: look-alike letters of other scripts, digits of other
// scripts and superscripts, and a phone wrapped over a line; each is
// redacted as "347 2184590" is.
func TestOtherSpellingsOfTheSameKind(t *testing.T) {
	runReview(t, []reviewCase{
		{"Cyrillic o in the surname", colombo, "Il sig. Col\u043Embo è uscito", "Il sig. Achille è uscito"},
		{"Greek omicron in the surname", colombo, "Il sig. C\u03BFlombo è uscito", "Il sig. Achille è uscito"},
		{"Cyrillic letters in the first name", colombo, "\u0410mbr\u043Egi\u043E al citofono", "Achille al citofono"},
		{"Cyrillic o in the street", colombo, "in via Pad\u043Eva 118", "in [address]"},
		{"Arabic-Indic digits", colombo, "cell ٣٤٧٢١٨٤٥٩٠ ok", "cell [phone] ok"},
		{"Persian digits", colombo, "cell ۳۴۷۲۱۸۴۵۹۰ ok", "cell [phone] ok"},
		{"superscript digits", colombo, "cell ³⁴⁷²¹⁸⁴⁵⁹⁰ ok", "cell [phone] ok"},
		{"the phone as stored", colombo, "cell 347 2184590 ok", "cell [phone] ok"},
		{"a phone wrapped over a line", colombo, "cell 347\n218 4590", "cell [phone]"},
		{"a phone wrapped over a CRLF line", colombo, "cell 347 218\r\n4590.", "cell [phone]."},
		{"Arabic-Indic house number", colombo, "via Padova ١١٨", "[address]"},
		{"names on two lines stay two", colombo, "Ambrogio\nColombo", "Achille\nAchille"},
		{"digits apart by a blank line are not joined", colombo, "cell 347\n\n2184590", "cell 347\n\n2184590"},
		{"another surname is kept", colombo, "Colonna e Colombari", "Colonna e Colombari"},
	})
}

// TestPhoneStoredInOtherDigits: a stored phone in Arabic-Indic digits
// matches the ASCII spelling.
func TestPhoneStoredInOtherDigits(t *testing.T) {
	p := colombo
	p.Contacts = []domain.Contact{{Alias: "figlia", Phone: "+٣٩ ٣٤٧ ٢١٨ ٤٥٩٠"}}
	runReview(t, []reviewCase{{"Arabic-Indic stored", p, "tel. 347 218 4590", "tel. [phone]"}})
}

// TestAliasesOfCommonWords are the second review's contacts whose
// aliases are only relation, possessive, age, floor and title words: a
// message using those words is not redacted, and the one proper name
// among them (Luigi) is. "Don't" is no name boundary, "l'Ambrogio" is.
func TestAliasesOfCommonWords(t *testing.T) {
	p := colombo
	p.Contacts = []domain.Contact{
		{Alias: "la figlia maggiore"}, {Alias: "vicina del piano di sotto"}, {Alias: "his eldest son"},
		{Alias: "don Luigi della parrocchia"}, {Alias: "mia sorella"}, {Alias: "badante Can"},
	}
	const msg = "La signora dice che la figlia maggiore chiama dal piano di sotto; his eldest son is away. Don't worry, it's fine, la mia sorella."
	runReview(t, []reviewCase{
		{"the review's message names nobody", p, msg, msg},
		{"the proper name of an alias with a title", p, "Passa don Luigi della parrocchia", "Passa don [contact] della parrocchia"},
		{"the title spelt with a capital", p, "Don Luigi ha le chiavi", "Don [contact] ha le chiavi"},
		{"an elided article before the patient's name", p, "l'Ambrogio e dell'Ambrogio", "l'Achille e dell'Achille"},
		{"a name before n't is a contraction", p, "I can't come; Can't is not Can", "I can't come; Can't is not [contact]"},
		{"a name with a possessive s is the name", p, "Can's keys", "[contact]'s keys"},
		{"sig., dott. and the particle kept", p, "sig. Colombo, dott. Colombo", "sig. Achille, dott. Achille"},
	})
}

// TestGluedContactNames is the second review's neighbour: every glued
// or hyphenated spelling of her names is redacted, as for the patient.
func TestGluedContactNames(t *testing.T) {
	p := colombo
	p.Contacts = []domain.Contact{{Alias: "vicina sig.ra D'Alessandro-Ricci Anna Maria", Phone: "02 1234 5678"}}
	runReview(t, []reviewCase{
		{"glued particle and hyphen as a space", p, "Chiavi da DAlessandro Ricci", "Chiavi da [contact]"},
		{"as in the alias", p, "la sig.ra D'Alessandro-Ricci", "la sig.ra [contact]"},
		{"the second surname alone", p, "la sig.ra Ricci", "la sig.ra [contact]"},
		{"two first names glued", p, "annamaria ha chiamato", "[contact] ha chiamato"},
		{"two first names apart", p, "Anna Maria ha chiamato", "[contact] ha chiamato"},
		{"first names before the surname", p, "Anna Maria D'Alessandro-Ricci", "[contact]"},
		{"all glued, first names first", p, "AnnaMariaDAlessandroRicci", "[contact]"},
		{"the first surname glued alone", p, "Dalessandro", "[contact]"},
		{"a word after the particle is someone else", p, "Alessandro Manzoni", "Alessandro Manzoni"},
	})
}

// TestMoreAliasesOfTheKind: other aliases of the same kind as the
// review's keep their words, and name only their names.
func TestMoreAliasesOfTheKind(t *testing.T) {
	p := colombo
	p.Contacts = []domain.Contact{
		{Alias: "il nipote più piccolo"}, {Alias: "the neighbour downstairs"}, {Alias: "sua cognata"},
		{Alias: "her younger brother"}, {Alias: "vicino al terzo piano a destra"}, {Alias: "dott.ssa Neri, medico di base"},
	}
	const msg = "Il più piccolo è al terzo piano a destra; her younger brother lives downstairs with sua cognata; il medico di base passa."
	runReview(t, []reviewCase{
		{"words of the aliases are kept", p, msg, msg},
		{"the name of a titled alias", p, "Chiamare la dott.ssa Neri", "Chiamare la dott.ssa [contact]"},
	})
}
