package nicktest

import (
	"slices"
	"testing"
)

func TestMaskedHidesOnlyWholeNicknames(t *testing.T) {
	nicks := []string{"Teresanna", "Mario", "Gianmario"}
	for in, want := range map[string]string{
		"Teresanna ha chiamato":             "· ha chiamato",
		"Teresa Galbiati":                   "Teresa Galbiati",
		`{"nickname":"Teresanna 2"}`:        `{"nickname":"· 2"}`,
		"Consenso Mario, Mario.pdf":         "Consenso ·, ·.pdf",
		"MarioRossi.pdf e Rossi Mario":      "MarioRossi.pdf e Rossi ·",
		"Gianmario; Marios; 2Mario; Mario2": "·; Marios; 2·; ·2",
		"Teresanna2024.pdf":                 "·2024.pdf",
		"MarioMario Mario":                  "MarioMario ·",
		"àMario Mario":                      "àMario ·",
		"":                                  "",
	} {
		if got := Masked(in, nicks); got != want {
			t.Errorf("Masked(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestListIsTheServersList(t *testing.T) {
	names := List(t)
	for _, n := range []string{"Mario", "Giuseppina", "Teresanna", "Gianmario", "Md"} {
		if !slices.Contains(names, n) {
			t.Errorf("the list lacks %q", n)
		}
	}
	if slices.Contains(names, "Rossi") || slices.ContainsFunc(names, func(n string) bool { return n[0] == '#' }) {
		t.Error("the list holds a surname or a header line")
	}
}
