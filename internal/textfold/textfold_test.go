package textfold

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
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
		{"Colombo\u2122 \u2460\u00BD", []string{"colombo", "1"}}, // a symbol separates; a circled digit is a digit; ½ is neither
		{"\uFB01lippo x\u00B2", []string{"filippo", "x", "2"}},   // a ligature is letters, a superscript a digit
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

// TestDigitsOfEveryScriptFoldToASCII: the review wrote the phone in
// Arabic-Indic, Persian and superscript digits; each folds to the ASCII
// number and is one word of digits.
func TestDigitsOfEveryScriptFoldToASCII(t *testing.T) {
	cases := []struct{ in, want string }{
		{"٣٤٧٢١٨٤٥٩٠", "3472184590"}, // Arabic-Indic
		{"۳۴۷۲۱۸۴۵۹۰", "3472184590"}, // Persian
		{"³⁴⁷²¹⁸⁴⁵⁹⁰", "3472184590"}, // superscripts (category No)
		{"३४७२१८४५९०", "3472184590"}, // Devanagari
		{"𝟑𝟒𝟕", "347"},               // mathematical bold
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
		words := Words("cell " + c.in + ".")
		if len(words) != 2 || words[1].Folded != c.want || !words[1].Digits {
			t.Errorf("Words(cell %q) = %+v, want cell and the digits %q", c.in, words, c.want)
		}
	}
}

// TestEveryDecimalDigitHasItsValue checks the mapping against the
// Unicode name of every digit of category Nd ("… DIGIT SEVEN").
func TestEveryDecimalDigitHasItsValue(t *testing.T) {
	values := map[string]rune{"ZERO": '0', "ONE": '1', "TWO": '2', "THREE": '3', "FOUR": '4',
		"FIVE": '5', "SIX": '6', "SEVEN": '7', "EIGHT": '8', "NINE": '9'}
	checked := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.Is(unicode.Nd, r) {
			continue
		}
		name := runenames.Name(r)
		i := strings.LastIndex(name, " ")
		want, named := values[name[i+1:]]
		if !strings.Contains(name, "DIGIT") || !named {
			continue // a few digits are named otherwise (e.g. "… NUMBER ONE"): the names cannot check them
		}
		checked++
		if got := Fold(string(r)); got != string(want) {
			t.Errorf("%U %s folds to %q, want %q", r, name, got, want)
		}
	}
	if checked < 500 {
		t.Errorf("only %d digits checked", checked)
	}
}

// TestLookAlikeLettersShareASkeleton: Cyrillic and Greek letters that
// look Latin give the Latin spelling's skeleton; other names do not.
func TestLookAlikeLettersShareASkeleton(t *testing.T) {
	latin := Skeleton(Fold("Colombo"))
	for _, s := range []string{"Colоmbo", "Cοlombo", "СOLOMBO", "Colomb\u03bf"} {
		if got := Skeleton(Fold(s)); got != latin {
			t.Errorf("Skeleton(%q) = %q, want %q", s, got, latin)
		}
	}
	if Skeleton(Fold("Colonna")) == latin {
		t.Error("another name shares the skeleton")
	}
	w := Words("sig. Colоmbo")
	if len(w) != 2 || w[1].Skeleton != latin {
		t.Errorf("Words: %+v", w)
	}
}

// TestASCIISkeletonIsTheLibrarys: the ASCII shortcut gives what the
// general path gives.
func TestASCIISkeletonIsTheLibrarys(t *testing.T) {
	for _, s := range []string{"colombo", "mamma", "3472184590", "rssncl41c14f205z", "giulia.rossi@example.it", "via padova 118"} {
		if got, want := Skeleton(s), strings.ToLower(confusables.Skeleton(s)); got != want {
			t.Errorf("Skeleton(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestFoldSpellsLettersThatDoNotDecompose(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Øvergård", "overgard"},
		{"ØVERGÅRD", "overgard"},
		{"Łukasz", "lukasz"},
		{"ŁUKASZ", "lukasz"},
		{"Æbeltoft", "aebeltoft"},
		{"Œuvre", "oeuvre"},
		{"Đorđević", "dordevic"},
		{"Ðóra", "dora"},
		{"Þórr", "thorr"},
		{"Kırıkkale", "kirikkale"},
		{"Ħamrun", "hamrun"},
		{"Weiß", "weiss"},
		{"ẞ", "ss"},
		{"Ŋ", "n"},
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Every letter of the table is a Latin letter Fold meets after case
// folding (lower case, not decomposable), spelled in lower-case ASCII.
func TestLatinLettersAreLowerCaseUndecomposableLatin(t *testing.T) {
	for r, sp := range latinLetters {
		if !unicode.Is(unicode.Latin, r) || !unicode.IsLetter(r) {
			t.Errorf("%U is not a Latin letter", r)
		}
		if cases.Fold().String(string(r)) != string(r) {
			t.Errorf("%U is not case-folded", r)
		}
		if norm.NFKD.String(string(r)) != string(r) {
			t.Errorf("%U decomposes; it needs no entry", r)
		}
		if sp == "" || strings.ToLower(sp) != sp || !isASCII(sp) {
			t.Errorf("%U spelled %q", r, sp)
		}
	}
}

// After folding, no letter of Latin-1 and Latin Extended-A (the letters
// of Europe's national alphabets) is left outside ASCII: each decomposes
// to a base letter or is in the table. Extended-B's are only those of
// the table (African and historic letters without an agreed spelling
// are left as they are).
func TestFoldLeavesNoCommonLatinLetterOutsideASCII(t *testing.T) {
	for r := rune(0xC0); r <= 0x17F; r++ {
		if !unicode.Is(unicode.Latin, r) || !unicode.IsLetter(r) {
			continue
		}
		f := strings.Map(func(x rune) rune { // the letters: "ŀ" is "l·", "ŉ" "ʼn"
			if IsApostrophe(x) || !unicode.IsLetter(x) {
				return -1
			}
			return x
		}, Fold(string(r)))
		if !isASCII(f) {
			t.Errorf("Fold(%q U+%04X) = %q, not ASCII", r, r, f)
		}
	}
}

func TestSpellingsWriteLettersAlsoAsTwo(t *testing.T) {
	got := []string{}
	for _, s := range Spellings("Øvergård") {
		got = append(got, Fold(s))
	}
	want := []string{"overgard", "oevergard", "overgaard", "oevergaard"}
	if !slices.Equal(got, want) {
		t.Errorf("Spellings(Øvergård) fold to %q, want %q", got, want)
	}
	if got := Spellings("Müller"); !slices.Equal(got, []string{"Müller", "Mueller"}) {
		t.Errorf("Spellings(Müller) = %q", got)
	}
	if got := Spellings("Rossi"); !slices.Equal(got, []string{"Rossi"}) {
		t.Errorf("Spellings(Rossi) = %q", got)
	}
	if got := Spellings("ÄäÖöÜü"); len(got) != 1<<maxDigraphs {
		t.Errorf("Spellings of six digraph letters: %d, want %d", len(got), 1<<maxDigraphs)
	}
}
