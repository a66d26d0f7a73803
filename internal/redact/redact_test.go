package redact

import (
	"strings"
	"testing"

	"serenade/internal/domain"
)

// nickname is what replaces identifying strings in these tests.
const nickname = "Achille"

// rossi lives in Milan with a daughter, a son whose alias is only a
// relation word, and a neighbour who keeps the keys.
var rossi = domain.Patient{
	ID: 1,
	Identity: domain.Identity{
		FirstName: "Nicolò", LastName: "Rossi", CodiceFiscale: "RSSNCL41C14F205Z",
		Address: "Via Padova 118, 20127 Milano",
	},
	Contacts: []domain.Contact{
		{Alias: "figlia Giulia", Phone: "+39 347 218 4590", Email: "giulia.rossi@example.it"},
		{Alias: "son", Phone: "02 2614 7735"},
		{Alias: "vicina sig.ra Bianchi", Phone: "+39 335 604 1187"},
		{Alias: "daughter", Phone: "0039 338 111 2233"},
	},
}

// deLuca has a first name of two words, a surname with a particle and
// a square for an address.
var deLuca = domain.Patient{
	ID: 2,
	Identity: domain.Identity{
		FirstName: "Maria Grazia", LastName: "De Luca", CodiceFiscale: "DLCMGR38S42F205K",
		Address: "Piazza Leonardo da Vinci 32, 20133 Milano",
	},
	Contacts: []domain.Contact{
		{Alias: "Laura (nipote)", Phone: "+39 333 1234567"},
		{Alias: "badante", Phone: "3398765432"},
	},
}

// TestIssueExamples are the faults reported against the first redaction,
// one case each.
func TestIssueExamples(t *testing.T) {
	accented := rossi
	accented.Identity.LastName = "Rossì"
	cases := []struct {
		name    string
		patient domain.Patient
		in      string
		want    string
	}{
		{"phone with other spacing than stored", rossi, "Richiamare al 347 2184590 dopo le 18", "Richiamare al [phone] dopo le 18"},
		{"phone with dashes", rossi, "Numero: 347-218-4590.", "Numero: [phone]."},
		{"phone with 0039 prefix", rossi, "Richiamare al 0039 3472184590", "Richiamare al [phone]"},
		{"street and number without postcode", rossi, "Sono in via Padova 118, secondo piano", "Sono in [address], secondo piano"},
		{"street abbreviated", rossi, "Sono in V. Padova 118", "Sono in [address]"},
		{"accented spelling of the surname", rossi, "Il sig. Rossì non era in casa", "Il sig. Achille non era in casa"},
		{"plain spelling of an accented surname", accented, "Il sig. Rossi non era in casa", "Il sig. Achille non era in casa"},
		{"codice fiscale with spaces", rossi, "CF RSS NCL 41C14 F205Z verificato", "CF [codice fiscale] verificato"},
		{"codice fiscale with dots, lower case", rossi, "cf rss.ncl.41c14.f205z", "cf [codice fiscale]"},
		{"alias 'son' inside other words", rossi, "This season the person to call is the son", "This season the person to call is the son"},
		{"alias 'daughter' is a common word", rossi, "Spoke with the daughter", "Spoke with the daughter"},
		{"e-mail in capitals", rossi, "Scritto a GIULIA.ROSSI@EXAMPLE.IT", "Scritto a [email]"},
	}
	dAngelo := rossi
	dAngelo.Identity.LastName = "D'Angelo"
	ukrainian := rossi
	ukrainian.Contacts = []domain.Contact{{Alias: "figlia Olena", Phone: "+380 67 123 4567"}}
	cases = append(cases, []struct {
		name    string
		patient domain.Patient
		in      string
		want    string
	}{
		{"surname with U+02BC for the apostrophe", dAngelo, "sig. D\u02BC Angelo assente", "sig. Achille assente"},
		{"surname with U+02BC, no space", dAngelo, "sig. D\u02BCAngelo assente", "sig. Achille assente"},
		{"surname with a typographic apostrophe", dAngelo, "sig. D\u2019Angelo assente", "sig. Achille assente"},
		{"surname with a full-width apostrophe", dAngelo, "sig. D\uFF07Angelo assente", "sig. Achille assente"},
		{"phone with one full-width digit", rossi, "tel. 34721845\uFF190 ok", "tel. [phone] ok"},
		{"phone all in full-width digits", rossi, "tel. \uFF13\uFF14\uFF17 218 4590", "tel. [phone]"},
		{"foreign number in its national trunk form", ukrainian, "chiamare 067 123 4567 domani", "chiamare [phone] domani"},
		{"foreign number with its country code", ukrainian, "chiamare +380671234567", "chiamare [phone]"},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := New(c.patient, nickname).Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// TestCorpus runs realistic ticket messages, as installers and
// monitoring staff write them, through the redaction.
func TestCorpus(t *testing.T) {
	if len(corpus) < 50 {
		t.Fatalf("the corpus has %d messages, want at least 50", len(corpus))
	}
	redactors := map[int64]*Redactor{rossi.ID: New(rossi, nickname), deLuca.ID: New(deLuca, nickname)}
	unchanged := 0
	for _, c := range corpus {
		t.Run(c.in, func(t *testing.T) {
			if got := redactors[c.patient].Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
		if c.in == c.want {
			unchanged++
		}
	}
	if unchanged < 10 {
		t.Errorf("only %d messages must stay unchanged; the corpus needs more counter-examples", unchanged)
	}
}

func TestNoTargetsLeavesTextAlone(t *testing.T) {
	withdrawn := domain.Patient{ID: 3} // identity erased
	in := "Kit ritirato, via Padova 118"
	if got := New(withdrawn, nickname).Redact(in); got != in {
		t.Errorf("got %q", got)
	}
}

// TestLongTextIsRedactedEverywhere checks that matching does not stop
// after the first occurrences or on long input.
func TestLongTextIsRedactedEverywhere(t *testing.T) {
	r := New(rossi, nickname)
	in := strings.Repeat("Il sig. Rossì, tel. 347 218 4590, via Padova 118. ", 500)
	got := r.Redact(in)
	if strings.Contains(strings.ToLower(got), "ross") || strings.Contains(got, "4590") || strings.Contains(got, "Padova") {
		t.Fatal("something was left unredacted")
	}
	if want := strings.Repeat("Il sig. Achille, tel. [phone], [address]. ", 500); got != want {
		t.Errorf("the text around the matches changed: %q…", got[:80])
	}
}

// TestStoredFormsVary stores the same phone, address and names in the
// other ways the enrolment form accepts them: the text must match all.
func TestStoredFormsVary(t *testing.T) {
	with := func(edit func(*domain.Patient)) domain.Patient {
		p := rossi
		p.Contacts = []domain.Contact{rossi.Contacts[0]}
		edit(&p)
		return p
	}
	phone := func(s string) func(*domain.Patient) { return func(p *domain.Patient) { p.Contacts[0].Phone = s } }
	address := func(s string) func(*domain.Patient) { return func(p *domain.Patient) { p.Identity.Address = s } }
	cases := []struct {
		name   string
		stored func(*domain.Patient)
		in     string
		want   string
	}{
		{"phone stored without prefix", phone("347 218 4590"), "Chiamare +39 347 2184590 o 0039-347-2184590", "Chiamare [phone] o [phone]"},
		{"phone stored with 0039", phone("0039 3472184590"), "Chiamare 347.218.45.90", "Chiamare [phone]"},
		{"phone stored in brackets", phone("(+39) 347-2184590"), "Chiamare 3472184590", "Chiamare [phone]"},
		{"phone stored with full-width digits", phone("+39 347 218 459\uFF10"), "Chiamare 347 2184590", "Chiamare [phone]"},
		{"British mobile stored with +44", phone("+44 7911 123456"), "Chiamare 07911 123456", "Chiamare [phone]"},
		{"German landline stored with 0049", phone("0049 30 12345678"), "Chiamare 030 12345678", "Chiamare [phone]"},
		{"French mobile stored with +33", phone("+33 6 12 34 56 78"), "Chiamare 06 12 34 56 78", "Chiamare [phone]"},
		{"Italian landline keeps its 0", phone("+39 02 2614 7735"), "Chiamare 02 2614 7735", "Chiamare [phone]"},
		{"phone stored as 39 without plus", phone("39 347 2184590"), "Chiamare 347 2184590", "Chiamare [phone]"},
		{"phone written as 39 without plus", phone("+39 347 218 4590"), "Chiamare 39 347 2184590", "Chiamare [phone]"},
		{"mobile starting with 39", phone("393 123 4567"), "Chiamare +39 393 1234567 o 3931234567", "Chiamare [phone] o [phone]"},
		{"phone abroad", phone("+41 79 123 45 67"), "Chiamare 0041 79 123 45 67 o +41791234567", "Chiamare [phone] o [phone]"},
		{"phone widely spaced", phone("+39 347 218 4590"), "Chiamare 347   218   4590", "Chiamare [phone]"},
		{"address with a comma before the number", address("Via Padova, 118, 20127 Milano"), "in via Padova 118", "in [address]"},
		{"address without commas", address("Via Padova 118 20127 Milano"), "in Padova n. 118", "in [address]"},
		{"address with a suffix", address("Via Padova 118/A, Milano"), "in via Padova 118", "in [address]"},
		{"number written civ.", address("Via Padova 118, 20127 Milano"), "in via Padova civ. 118", "in [address]"},
		{"street named after a date", address("Via 4 Novembre 12, Milano"), "in via IV Novembre 12, no: via 4 Novembre 12", "in via IV Novembre 12, no: [address]"},
		{"viale abbreviated", address("Viale Monza 7, Milano"), "in v.le Monza 7", "in [address]"},
		{"corso abbreviated", address("Corso Buenos Aires 3, Milano"), "in C.so Buenos Aires 3, int. 4", "in [address], int. 4"},
		{"street without number", address("Cascina Rossetti, Lodi"), "alla cascina rossetti", "alla [address]"},
		{"name stored with an apostrophe for its accent", func(p *domain.Patient) { p.Identity.FirstName = "Nicolo'" }, "Nicolò e Nicolo' e NICOLO", "Achille e Achille e Achille"},
		{"surname accented on another letter", func(p *domain.Patient) { p.Identity.LastName = "Mazzà" }, "Mazza', MAZZA e mazzá", "Achille, Achille e Achille"},
		{"surname with an apostrophe", func(p *domain.Patient) { p.Identity.LastName = "D'Angelo" }, "Sig. DAngelo, d’angelo, D' Angelo; Angelo è il vicino", "Sig. Achille, Achille, Achille; Angelo è il vicino"},
		{"double surname", func(p *domain.Patient) { p.Identity.LastName = "Rossi Bianchi" }, "Sig.ra Bianchi", "Sig.ra Achille"},
		{"accent at the end of a two-word first name", func(p *domain.Patient) { p.Identity.FirstName = "Anna Nicolò" }, "Anna Nicolo' c'è", "Achille c'è"},
		{"alias with a surname with a particle", func(p *domain.Patient) { p.Contacts[0].Alias = "figlia Laura Della Valle" },
			"La figlia di Laura, la sig.ra Della Valle, e Valle Laura; poi la figlia", "La figlia di [contact], la sig.ra [contact], e Valle [contact]; poi la figlia"},
		{"alias of two people", func(p *domain.Patient) { p.Contacts[0].Alias = "figli Laura e Marco" }, "Marco ha le chiavi", "[contact] ha le chiavi"},
		{"alias that names the contact after a particle", func(p *domain.Patient) { p.Contacts[0].Alias = "badante di Olga" }, "Olga o la badante", "[contact] o la badante"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := New(with(c.stored), nickname).Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// TestLettersThatDoNotDecompose: names with Ø, Ł, Æ, Þ (letters of their
// own, not a letter with an accent) are redacted however they are typed:
// as written, in plain letters, in capitals, and with the customary
// two-letter spellings (å as "aa", ø as "oe").
func TestLettersThatDoNotDecompose(t *testing.T) {
	nordic := domain.Patient{ID: 4, Identity: domain.Identity{
		FirstName: "Łukasz", LastName: "Øvergård", CodiceFiscale: "VRGLSZ47C03F205L",
	}}
	icelandic := domain.Patient{ID: 5, Identity: domain.Identity{FirstName: "Ærin", LastName: "Þórsdóttir"}}
	cases := []struct {
		name    string
		patient domain.Patient
		in      string
		want    string
	}{
		{"the issue's ticket", nordic,
			"Spoke to Łukasz Øvergård; Lukasz Overgard says the hub (sig. Overgaard, LUKASZ OVERGARD) is unplugged.",
			"Spoke to Achille; Achille says the hub (sig. Achille, Achille) is unplugged."},
		{"ø written oe", nordic, "sig. Oevergaard assente", "sig. Achille assente"},
		{"first name alone in capitals", nordic, "LUKASZ called", "Achille called"},
		{"æ as ae, þ as th", icelandic, "Aerin Thorsdottir and AERIN", "Achille and Achille"},
		{"as written", icelandic, "Ærin Þórsdóttir", "Achille"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := New(c.patient, nickname).Redact(c.in); got != c.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}
