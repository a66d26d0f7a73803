package codicefiscale

import (
	"errors"
	"strings"
	"testing"
)

// withNames returns a valid code for a man born 10 December 1985 in San
// Giuliano Terme whose first six letters are parts; omocodic replaces
// every digit by its omocodia letter.
func withNames(parts string, omocodic bool) string {
	rest := "85T10A562"
	if omocodic {
		rest = "URTMLARSN"
	}
	return parts + rest + string(checkChar(parts+rest))
}

func TestCheckNamesAcceptsWhatTheAgencyDerives(t *testing.T) {
	tests := []struct {
		name, surname, first, parts string
	}{
		{"consonants then vowels", "Rossi", "Mario", "RSSMRA"},
		{"a surname in two words, spaces ignored", "De Luca", "Mario", "DLCMRA"},
		{"a double surname is one surname", "Rossi Bianchi", "Anna", "RSSNNA"},
		{"an apostrophe is ignored, accents dropped", "D'Alò", "Nicolò", "DLANCL"},
		{"a typographic apostrophe and an accented capital", "Dell’Èrba", "Èrcole", "DLLRCL"},
		{"a short part is padded with X", "Li", "Ada", "LIXDAA"},
		{"a first name with four consonants skips the second", "Rossi", "Gianfranco", "RSSGFR"},
		{"a first name with exactly four consonants skips the second", "Rossi", "Francesco", "RSSFNC"},
		{"a compound first name counts all its consonants", "Esposito", "Anna Maria", "SPSNMR"},
		{"case does not matter", "ROSSI", "mario", "RSSMRA"},
		{"a German umlaut and sharp s are transliterated", "Müßig", "Jürgen", "MSSJGN"},
		{"letters no decomposition reduces are transliterated", "Łopez", "Søren", "LPZSRN"},
		{"Ø and Ł as textfold spells them", "Øvergård", "Łukasz", "VRGLSZ"},
		{"Æ, Þ and dotless ı", "Þórhallsdóttir", "Ærın", "THRRNA"},
	}
	for _, tt := range tests {
		for _, omocodic := range []bool{false, true} {
			code := withNames(tt.parts, omocodic)
			t.Run(tt.name+" in "+code, func(t *testing.T) {
				info := mustParse(t, code)
				if err := CheckNames(info, tt.surname, tt.first); err != nil {
					t.Errorf("CheckNames(%q, %q) = %v, want a match with %s", tt.surname, tt.first, err, tt.parts)
				}
			})
		}
	}
}

func TestCheckNamesSaysWhichPartDisagrees(t *testing.T) {
	tests := []struct {
		name, surname, first, parts, part, msg string
	}{
		{"another surname", "Bianchi", "Mario", "RSSMRA", PartSurname, "does not match the codice fiscale"},
		{"another first name", "Rossi", "Maria", "RSSMRO", PartFirstName, "does not match the codice fiscale"},
		{"the first-name rule ignored by whoever typed the code", "Rossi", "Gianfranco", "RSSGNF", PartFirstName, "does not match the codice fiscale"},
		{"surname and first name swapped", "Mario", "Rossi", "RSSMRA", PartSurname, "does not match the codice fiscale"},
		{"a letter of another script", "Rossi", "Иван", "RSSVNX", PartFirstName, "contains a letter the codice fiscale cannot encode"},
		{"no letters at all", "'-.", "Mario", "XXXMRA", PartSurname, "has no letters the codice fiscale can encode"},
	}
	for _, tt := range tests {
		for _, omocodic := range []bool{false, true} {
			code := withNames(tt.parts, omocodic)
			t.Run(tt.name+" in "+code, func(t *testing.T) {
				err := CheckNames(mustParse(t, code), tt.surname, tt.first)
				var ne *NameError
				if !errors.As(err, &ne) || ne.Part != tt.part || !strings.HasPrefix(ne.Msg, tt.msg) {
					t.Fatalf("CheckNames = %v, want %s: %s", err, tt.part, tt.msg)
				}
				for _, s := range []string{tt.surname, tt.first, code, tt.parts, code[:3], code[3:6]} {
					if len(s) > 2 && strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(s)) {
						t.Errorf("%q echoes %q", err, s)
					}
				}
			})
		}
	}
}
