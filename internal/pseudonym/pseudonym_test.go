package pseudonym

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

func codec(t *testing.T) *Codec {
	k, err := keyring.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return New(k)
}

func TestPseudonymsRoundTripPerRole(t *testing.T) {
	c := codec(t)
	for _, r := range domain.AllRoles {
		for _, id := range []int64{1, 2, 42, 1 << 40} {
			p := c.Encode(r, Patient, id)
			if p != c.Encode(r, Patient, id) {
				t.Fatal("pseudonyms are not stable")
			}
			if got, ok := c.Decode(r, Patient, p); !ok || got != id {
				t.Errorf("%s: Decode(%s) = %d, %v; want %d", r, p, got, ok, id)
			}
		}
	}
}

func TestPseudonymsDoNotCrossRolesKindsOrServers(t *testing.T) {
	c, other := codec(t), codec(t)
	p := c.Encode(domain.RoleInstaller, Patient, 7)
	cases := []struct {
		name string
		ok   bool
	}{
		{"another role's pseudonym is refused", decodeOK(c, domain.RoleResearcher, Patient, p)},
		{"a pseudonym of another kind is refused", decodeOK(c, domain.RoleInstaller, Installation, p)},
		{"a raw id is refused", decodeOK(c, domain.RoleInstaller, Patient, "7")},
		{"another server's pseudonym is refused", decodeOK(other, domain.RoleInstaller, Patient, p)},
		{"noise is refused", decodeOK(c, domain.RoleInstaller, Patient, "aaaaaaaaaaaaaaaaaaaaaaaaaa")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok {
				t.Error("accepted")
			}
		})
	}
	if c.Encode(domain.RoleInstaller, Patient, 7) == c.Encode(domain.RoleMonitoring, Patient, 7) {
		t.Error("two roles share a pseudonym")
	}
}

func decodeOK(c *Codec, r domain.Role, k Kind, s string) bool {
	_, ok := c.Decode(r, k, s)
	return ok
}

func TestPseudonymsOfConsecutiveIdsLookUnrelated(t *testing.T) {
	c := codec(t)
	seen := map[string]bool{}
	for id := int64(1); id <= 1000; id++ {
		p := c.Encode(domain.RoleResearcher, Patient, id)
		if seen[p[:8]] {
			t.Fatalf("prefix collision at id %d: pseudonyms leak order", id)
		}
		seen[p[:8]] = true
		if p == strconv.FormatInt(id, 10) {
			t.Fatal("pseudonym equals the id")
		}
	}
}

func FuzzDecodeNeverPanics(f *testing.F) {
	c := New(keyring.Key{1})
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add(c.Encode(domain.RoleInstaller, Patient, 3))
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := c.Decode(domain.RoleInstaller, Patient, s); ok && c.Encode(domain.RoleInstaller, Patient, id) != s {
			t.Errorf("accepted %q that does not re-encode", s)
		}
	})
}

func TestNicknamesAreStableNames(t *testing.T) {
	first, again := Nickname("abc"), Nickname("abc")
	if first != again || first == "" {
		t.Errorf("nickname not stable: %q, then %q", first, again)
	}
}

// TestNicknamesAreNeverThePatientsOwnNames gives patients, as first name
// or surname, the very name their pseudonym draws, spelt in the ways
// staff type it: the nickname must be another one, the same every time.
func TestNicknamesAreNeverThePatientsOwnNames(t *testing.T) {
	c := codec(t)
	accent := strings.NewReplacer("a", "à", "e", "è", "i", "ì", "o", "ò", "u", "ù")
	for id := int64(1); id <= 300; id++ {
		p := c.Encode(domain.RoleMonitoring, Patient, id)
		drawn := Nickname(p)
		cases := [][]string{
			{drawn, "Rossi"},                          // first name
			{"Mario", drawn},                          // surname
			{strings.ToUpper(drawn), "Rossi"},         // other case
			{accent.Replace(drawn), "Rossi"},          // accented spelling
			{"Anna " + drawn, "Rossi"},                // one word of a first name
			{"Mario", "De " + strings.ToLower(drawn)}, // one word of a surname
		}
		for _, names := range cases {
			got := Nickname(p, names...)
			if got == drawn || got == "" {
				t.Fatalf("patient %d named %q: nickname %q", id, names, got)
			}
			if got != Nickname(p, names...) {
				t.Fatalf("patient %d: the nickname is not stable", id)
			}
		}
		if got := Nickname(p, "Mario", "Rossi"); !slices.Contains([]string{"Mario", "Rossi"}, drawn) && got != drawn {
			t.Fatalf("patient %d: names other than the draw changed the nickname from %q to %q", id, drawn, got)
		}
	}
}

// TestNicknamesSkipToTheNextFreeName takes both the drawn name and the
// next one: the list is walked on, in order.
func TestNicknamesSkipToTheNextFreeName(t *testing.T) {
	p := "abc"
	drawn := Nickname(p)
	i := slices.Index(nicknames, drawn)
	next, after := nicknames[(i+1)%len(nicknames)], nicknames[(i+2)%len(nicknames)]
	if got := Nickname(p, drawn); got != next {
		t.Errorf("first name %q: nickname %q, want the next one %q", drawn, got, next)
	}
	if got := Nickname(p, drawn, next); got != after {
		t.Errorf("names %q and %q: nickname %q, want %q", drawn, next, got, after)
	}
}
