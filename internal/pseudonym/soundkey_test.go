package pseudonym

import (
	"testing"
)

func TestSoundKeyHearsSpellingsOfOneSound(t *testing.T) {
	same := [][]string{
		{"Alessandro", "Alesandro", "Aleksandro", "Alexandro"},
		{"Cristian", "Christian", "Kristian"},
		{"Caterina", "Katerina"},
		{"Sofia", "Sophia"},
		{"Matteo", "Mattheo"},
		{"Yuri", "Juri", "Iuri"},
	}
	for _, g := range same {
		for _, n := range g[1:] {
			if SoundKey(n) != SoundKey(g[0]) {
				t.Errorf("SoundKey(%q) = %q, SoundKey(%q) = %q: want one", n, SoundKey(n), g[0], SoundKey(g[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"Mario", "Maria"}, {"Cesare", "Kesare2"}, {"Luca", "Lucia"}, {"Chiara", "Ciara"}} {
		if SoundKey(pair[0]) == SoundKey(pair[1]) {
			t.Errorf("%q and %q share the key %q", pair[0], pair[1], SoundKey(pair[0]))
		}
	}
}

func TestOneSlipIsOneLetterAddedDroppedOrSwapped(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"andrea", "anndrea", true}, {"matteo", "atteo", true}, {"francesco", "frnacesco", true},
		{"alessandro", "alessnadro", true}, {"annamaria", "annamria", true},
		{"mario", "maria", false}, {"andrea", "andrea", false}, {"anna", "anne", false}, {"luca", "lucia", true}, {"ada", "adele", false},
	} {
		if got := OneSlip(c.a, c.b); got != c.want {
			t.Errorf("OneSlip(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// The embedded list: at least 1,500 names, no two with one sound key,
// no key one slip from another, and none of the misspellings the first
// list had.
func TestNicknameListHasNoLookAlikes(t *testing.T) {
	if len(nicknames) < 1500 {
		t.Fatalf("%d names, want at least 1,500", len(nicknames))
	}
	byKey := map[string]string{}
	byLen := map[int][]string{}
	for _, n := range nicknames {
		k := SoundKey(n)
		if other, ok := byKey[k]; ok {
			t.Errorf("%q and %q sound alike (%q)", n, other, k)
		}
		byKey[k] = n
		byLen[len(k)] = append(byLen[len(k)], k)
	}
	for k := range byKey {
		for _, m := range byLen[len(k)+1] {
			if OneSlip(k, m) {
				t.Errorf("%q and %q are one slip apart", byKey[k], byKey[m])
			}
		}
		for _, m := range byLen[len(k)] {
			if k < m && OneSlip(k, m) {
				t.Errorf("%q and %q are one slip apart", byKey[k], byKey[m])
			}
		}
	}
	for _, typo := range []string{"Frnacesco", "Annamria", "Alessnadro", "Anndrea", "Atteo", "Aleksandro", "Alexandro", "Christian", "Kristian"} {
		for _, n := range nicknames {
			if n == typo {
				t.Errorf("the list holds %q", typo)
			}
		}
	}
}
