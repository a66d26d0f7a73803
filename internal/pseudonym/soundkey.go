package pseudonym

import (
	"strings"

	"serenade/internal/textfold"
)

// SoundKey is how a name sounds to an Italian ear, as a string: two
// names with one key are heard (and read aloud) as one, so a role's
// nicknames never share a key. The name is folded (textfold.Fold), then
// spellings of one sound are made one: ph→f, th→t, sch→sk, ch→k, ck→k,
// q→k, c→k before a, o, u, a consonant or the end, x→ks, y→i, w→v, j→i,
// h dropped, then ks→s (Alexandro, Aleksandro, Alessandro), and doubled
// letters made single (Alessandro, Alesandro). So "Cristian",
// "Christian" and "Kristian" are "kristian"; "Mario" and "Maria" stay
// apart (final vowels are kept: they tell names apart in Italian).
func SoundKey(name string) string {
	s := textfold.Fold(name)
	s = soundSpellings.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'c' && (i+1 == len(s) || !strings.ContainsRune("ei", rune(s[i+1]))) {
			c = 'k'
		}
		b.WriteByte(c)
	}
	s = strings.ReplaceAll(b.String(), "ks", "s")
	b.Reset()
	for i := 0; i < len(s); i++ {
		if i == 0 || s[i] != s[i-1] {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// soundSpellings replaces, left to right and longest first, the
// spellings of one sound by one spelling.
var soundSpellings = strings.NewReplacer("sch", "sk", "ph", "f", "th", "t", "ch", "k", "ck", "k", "q", "k", "x", "ks",
	"y", "i", "w", "v", "j", "i", "h", "")

// OneSlip reports whether b is a with one letter added, dropped, or
// swapped with the next: how names are mistyped ("Anndrea", "Atteo",
// "Frnacesco"). Names one such slip apart read as one at a glance, so
// the list never holds two whose SoundKeys are.
func OneSlip(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 1:
		for i := range len(a) {
			if a[:i]+a[i+1:] == b {
				return true
			}
		}
	case 0:
		var diff []int
		for i := range len(a) {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]]
	}
	return false
}
