package textfold

import (
	"slices"
	"testing"
)

func TestFoldIgnoresAccentsAndCase(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Rossì", "rossi"},
		{"ROSSI", "rossi"},
		{"Nicolò", "nicolo"},
		{"Nicolo\u0300", "nicolo"}, // decomposed: o + combining grave
		{"ÉLÈNE", "elene"},
		{"Straße", "strasse"},
		{"Çelik", "celik"},
		{"34721845\uFF190", "3472184590"},           // one full-width digit
		{"\uFF32\uFF4F\uFF53\uFF53\uFF49", "rossi"}, // full-width letters
		{"Ca\uFB00aro", "caffaro"},                  // a ligature
		{"", ""},
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWordsSplitOnPunctuationAndOnDigitLetterChanges(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Via Padova, 118", []string{"via", "padova", "118"}},
		{"tel.3472184590", []string{"tel", "3472184590"}},
		{"civico 118a", []string{"civico", "118", "a"}},
		{"D'Angelo", []string{"d", "angelo"}},
		{"D\u02BC Angelo", []string{"d", "angelo"}}, // modifier letter apostrophe, a letter to Unicode
		{"D\u2019Angelo", []string{"d", "angelo"}},
		{"D\u02B9Angelo D\uA78CAngelo D\uFF07Angelo", []string{"d", "angelo", "d", "angelo", "d", "angelo"}},
		{"tel. 34721845\uFF190", []string{"tel", "3472184590"}},
		{"Nicolo\u0300 è qui", []string{"nicolo", "e", "qui"}},
		{"+39 347-218 4590", []string{"39", "347", "218", "4590"}},
		{" ... ", nil},
	}
	for _, c := range cases {
		var got []string
		for _, w := range Words(c.in) {
			got = append(got, w.Folded)
			if Fold(c.in[w.Start:w.End]) != w.Folded {
				t.Errorf("%q: offsets %d-%d do not cover %q", c.in, w.Start, w.End, w.Folded)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKeyIsTheFoldedConcatenation(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Via Padova 118, 20127 Milano", "viapadova11820127milano"},
		{"RSS MRA.80a01 f205-x", "rssmra80a01f205x"},
		{"Giulia.Colombo@Example.it", "giuliacolomboexampleit"},
	}
	for _, c := range cases {
		if got := Key(c.in); got != c.want {
			t.Errorf("Key(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
