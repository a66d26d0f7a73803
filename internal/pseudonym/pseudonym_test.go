package pseudonym

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/resource"
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
			p := c.Encode(r, resource.Patient, id)
			if p != c.Encode(r, resource.Patient, id) {
				t.Fatal("pseudonyms are not stable")
			}
			if got, ok := c.Decode(r, resource.Patient, p); !ok || got != id {
				t.Errorf("%s: Decode(%s) = %d, %v; want %d", r, p, got, ok, id)
			}
		}
	}
}

func TestPseudonymsDoNotCrossRolesKindsOrServers(t *testing.T) {
	c, other := codec(t), codec(t)
	p := c.Encode(domain.RoleInstaller, resource.Patient, 7)
	cases := []struct {
		name string
		ok   bool
	}{
		{"another role's pseudonym is refused", decodeOK(c, domain.RoleResearcher, resource.Patient, p)},
		{"a pseudonym of another kind is refused", decodeOK(c, domain.RoleInstaller, resource.Installation, p)},
		{"a raw id is refused", decodeOK(c, domain.RoleInstaller, resource.Patient, "7")},
		{"another server's pseudonym is refused", decodeOK(other, domain.RoleInstaller, resource.Patient, p)},
		{"noise is refused", decodeOK(c, domain.RoleInstaller, resource.Patient, "aaaaaaaaaaaaaaaaaaaaaaaaaa")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok {
				t.Error("accepted")
			}
		})
	}
	if c.Encode(domain.RoleInstaller, resource.Patient, 7) == c.Encode(domain.RoleMonitoring, resource.Patient, 7) {
		t.Error("two roles share a pseudonym")
	}
}

func decodeOK(c *Codec, r domain.Role, k resource.Kind, s string) bool {
	_, ok := c.Decode(r, k, s)
	return ok
}

func TestPseudonymsOfConsecutiveIdsLookUnrelated(t *testing.T) {
	c := codec(t)
	seen := map[string]bool{}
	for id := int64(1); id <= 1000; id++ {
		p := c.Encode(domain.RoleResearcher, resource.Patient, id)
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
	f.Add(c.Encode(domain.RoleInstaller, resource.Patient, 3))
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := c.Decode(domain.RoleInstaller, resource.Patient, s); ok && c.Encode(domain.RoleInstaller, resource.Patient, id) != s {
			t.Errorf("accepted %q that does not re-encode", s)
		}
	})
}

func TestNicknamesAreStableNames(t *testing.T) {
	k, err := keyring.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	a, b := New(k), New(k) // a restarted server: same key, new codec
	for id := int64(1); id <= 50; id++ {
		for _, r := range domain.AllRoles {
			first := a.Nickname(r, id, "Mario", "Rossi")
			if first == "" || first != a.Nickname(r, id, "Mario", "Rossi") || first != b.Nickname(r, id, "Mario", "Rossi") {
				t.Fatalf("%s, patient %d: nickname not stable: %q", r, id, first)
			}
		}
	}
}

// TestNicknamesAreNeverThePatientsOwnNames gives patients, as first name
// or surname, the very name their draw gives, spelt in the ways staff
// type it: the nickname must be another one, the same every time.
func TestNicknamesAreNeverThePatientsOwnNames(t *testing.T) {
	c := codec(t)
	r := domain.RoleMonitoring
	accent := strings.NewReplacer("a", "à", "e", "è", "i", "ì", "o", "ò", "u", "ù")
	for id := int64(1); id <= 300; id++ {
		drawn := c.Nickname(r, id)
		cases := [][]string{
			{drawn, "Rossi"},                          // first name
			{"Mario", drawn},                          // surname
			{strings.ToUpper(drawn), "Rossi"},         // other case
			{accent.Replace(drawn), "Rossi"},          // accented spelling
			{"Anna " + drawn, "Rossi"},                // one word of a first name
			{"Mario", "De " + strings.ToLower(drawn)}, // one word of a surname
		}
		for _, names := range cases {
			got := c.Nickname(r, id, names...)
			if got == drawn || got == "" {
				t.Fatalf("patient %d named %q: nickname %q", id, names, got)
			}
			if got != c.Nickname(r, id, names...) {
				t.Fatalf("patient %d: the nickname is not stable", id)
			}
		}
		if got := c.Nickname(r, id, "Mario", "Rossi"); !slices.Contains([]string{"Mario", "Rossi"}, drawn) && got != drawn {
			t.Fatalf("patient %d: names other than the draw changed the nickname from %q to %q", id, drawn, got)
		}
	}
}

// TestNicknameDrawIsKeyed is the review's oracle: the draw was
// sha256(pseudonym), which the caller can compute, so a nickname other
// than the draw gave the patient's name away. The draw now depends on
// the server key (two keys one bit apart agree only by chance, about one
// patient in a hundred), and differs between roles of one server.
func TestNicknameDrawIsKeyed(t *testing.T) {
	k := keyring.Key{1}
	near := k
	near[keyring.KeySize-1] ^= 1
	a, b := New(k), New(near)
	sameKey, sameRole := 0, 0
	const n = 400
	for id := int64(1); id <= n; id++ {
		if a.Nickname(domain.RoleMonitoring, id) == b.Nickname(domain.RoleMonitoring, id) {
			sameKey++
		}
		if a.Nickname(domain.RoleMonitoring, id) == a.Nickname(domain.RoleResearcher, id) {
			sameRole++
		}
	}
	if sameKey > n/20 || sameRole > n/20 {
		t.Errorf("of %d patients, %d share the nickname under keys one bit apart and %d across roles; chance is about %d",
			n, sameKey, sameRole, n/len(nicknames))
	}
}

// TestRedrawIsNotTheNextName: the review's patient Ambrogio Colombo was
// shown as Amedeo, the list's next name after the draw Ambrogio. A walk
// along the list makes the names after a patient's name likelier; keyed
// re-draws do not: among patients whose draw is their own first name,
// the nickname is the list's next name only by chance.
func TestRedrawIsNotTheNextName(t *testing.T) {
	c := codec(t)
	r := domain.RoleMonitoring
	redrawn, next := 0, 0
	for id := int64(1); redrawn < 300 && id <= 100000; id++ {
		drawn := c.Nickname(r, id)
		got := c.Nickname(r, id, base(drawn), "Colombo")
		if got == drawn || got == "" {
			t.Fatalf("patient %d named %s Colombo: nickname %q", id, drawn, got)
		}
		redrawn++
		if base(got) == nicknames[(slices.Index(nicknames, base(drawn))+1)%len(nicknames)] {
			next++
		}
	}
	if next > redrawn/20 {
		t.Errorf("%d of %d re-drawn nicknames are the next name of the list; chance is about %d", next, redrawn, redrawn/len(nicknames))
	}
	ambrogio := 0
	for id := int64(1); id <= 20000; id++ { // 25 groups: Ambrogio is a first choice in half of them
		if got := c.Nickname(r, id, "Ambrogio", "Colombo"); got == "Ambrogio" || got == "Colombo" {
			t.Fatalf("patient %d: Ambrogio Colombo nicknamed %q", id, got)
		}
		if base(c.Nickname(r, id)) == "Ambrogio" { // "Ambrogio" or "Ambrogio 3"
			ambrogio++
		}
	}
	if ambrogio == 0 {
		t.Error("no draw of Ambrogio in 20000 patients: the draw is not spread over the list")
	}
}

// TestUnknownRoleHasNoNickname: a role the codec has no key for gets no
// name rather than an unkeyed draw.
func TestUnknownRoleHasNoNickname(t *testing.T) {
	if got := codec(t).Nickname("nobody", 1); got != "" {
		t.Errorf("got %q", got)
	}
}
