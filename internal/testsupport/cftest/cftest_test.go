package cftest

import (
	"testing"

	"serenade/internal/codicefiscale"
)

func TestRenameKeepsAllButTheNames(t *testing.T) {
	for code, want := range map[string]string{
		"RSSMRA85T10A562S": "DLCGFR85T10A562",
		"RSSMRAURTMLARSNL": "DLCGFR85T10A562", // omocodic: back in its plain form
	} {
		got := Rename(t, code, "De Luca", "Gianfranco")
		if got[:15] != want {
			t.Errorf("Rename(%s) = %s, want %s and its check character", code, got, want)
		}
		info, err := codicefiscale.Parse(got)
		if err != nil {
			t.Fatalf("the renamed code is not valid: %v", err)
		}
		if err := codicefiscale.CheckNames(info, "De Luca", "Gianfranco"); err != nil {
			t.Errorf("the renamed code does not match its names: %v", err)
		}
	}
}
