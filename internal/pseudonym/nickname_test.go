package pseudonym

import (
	"strings"
	"testing"
	"unicode"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/textfold"
)

// base is a nickname without its group number: "Giulia" of "Giulia 3".
func base(nickname string) string {
	name, _, _ := strings.Cut(nickname, " ")
	return name
}

// homes is the number of homes of the uniqueness test.
const homes = 10_000

// namesOf gives test patient id of role its names. Most have names of
// the list that are not their draw; every fifth is named after its first
// choice (so it gets its reserve), every 97th after both its first
// choice and its reserve (so it gets the last resort): the skips must
// not break uniqueness.
func namesOf(c *Codec, role domain.Role, id int64) []string {
	first := base(c.Nickname(role, id))
	switch {
	case id%97 == 0:
		return []string{first, base(c.Nickname(role, id, first))}
	case id%5 == 0:
		return []string{first, "Rossi"}
	default:
		return []string{nicknames[(id*7919)%int64(len(nicknames))], "De Luca"}
	}
}

// TestNicknamesOfTenThousandHomes: for 10,000 homes, within each role no
// two share a nickname, each is stable across calls and across a restart
// (a new codec from the same key), none is one of the patient's names or
// name words, the first group carries no number, and the skips were
// exercised.
func TestNicknamesOfTenThousandHomes(t *testing.T) {
	k, err := keyring.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	a, restarted := New(k), New(k)
	for _, role := range domain.AllRoles {
		seen := make(map[string]int64, homes)
		reserves, lastResorts := 0, 0
		for id := int64(1); id <= homes; id++ {
			names := namesOf(a, role, id)
			got := a.Nickname(role, id, names...)
			if got == "" || got != a.Nickname(role, id, names...) || got != restarted.Nickname(role, id, names...) {
				t.Fatalf("%s, patient %d: nickname %q not stable", role, id, got)
			}
			if other, dup := seen[got]; dup {
				t.Fatalf("%s: patients %d and %d are both %q", role, other, id, got)
			}
			seen[got] = id
			if own := ownNames(names); own[textfold.Fold(base(got))] {
				t.Fatalf("%s, patient %d named %q: nickname %q is one of its names", role, id, names, got)
			}
			if uint64(id) <= groupSize && id%97 != 0 && strings.ContainsFunc(got, unicode.IsDigit) {
				t.Fatalf("%s, patient %d of the first group: nickname %q has a number", role, id, got)
			}
			switch {
			case strings.Contains(got, "-"):
				lastResorts++
			case base(got) != base(a.Nickname(role, id)):
				reserves++
			}
		}
		if reserves < homes/5-homes/97 || lastResorts < homes/97 {
			t.Errorf("%s: %d reserves and %d last resorts; the skips were not exercised", role, reserves, lastResorts)
		}
	}
}

// TestNicknamesDifferAcrossRoles: for the same 10,000 homes two roles
// agree on a nickname only by chance (about one home in 1,500).
func TestNicknamesDifferAcrossRoles(t *testing.T) {
	c := codec(t)
	roles := domain.AllRoles
	for i, r1 := range roles {
		for _, r2 := range roles[i+1:] {
			same := 0
			for id := int64(1); id <= homes; id++ {
				if c.Nickname(r1, id, "Mario", "Rossi") == c.Nickname(r2, id, "Mario", "Rossi") {
					same++
				}
			}
			if same > homes/100 {
				t.Errorf("%s and %s agree on %d of %d homes", r1, r2, same, homes)
			}
		}
	}
}

// TestNicknameListIsLargeAndClean: at least 1,500 single-word names, no
// two alike once folded (a duplicate would give two homes one name).
func TestNicknameListIsLargeAndClean(t *testing.T) {
	if len(nicknames) < 1500 {
		t.Fatalf("%d names, want at least 1,500", len(nicknames))
	}
	folded := map[string]bool{}
	for _, n := range nicknames {
		f := textfold.Fold(n)
		if folded[f] || len(textfold.Words(n)) != 1 || strings.ContainsFunc(n, unicode.IsDigit) {
			t.Errorf("name %q is a duplicate or not one word", n)
		}
		folded[f] = true
	}
}

// TestPermutationIsABijection: each group's keyed shuffle sends the
// list's indices onto themselves, once each, and two groups differ.
func TestPermutationIsABijection(t *testing.T) {
	c := codec(t)
	var orders [2][]uint64
	for g := range orders {
		p := permutation{block: c.nicks[domain.RoleInstaller], group: uint64(g)}
		hit := make([]bool, len(nicknames))
		for x := range uint64(len(nicknames)) {
			y := p.at(x)
			if hit[y] {
				t.Fatalf("group %d: index %d reached twice", g, y)
			}
			hit[y] = true
			orders[g] = append(orders[g], y)
		}
	}
	same := 0
	for i := range orders[0] {
		if orders[0][i] == orders[1][i] {
			same++
		}
	}
	if same > len(nicknames)/100 {
		t.Errorf("two groups share %d of %d positions", same, len(nicknames))
	}
}
