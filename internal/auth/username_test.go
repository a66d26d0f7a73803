package auth

import "testing"

func TestProviderUsernamesFollowTheTextPolicy(t *testing.T) {
	cases := []struct {
		name   string
		claims oidcClaims
		want   string
	}{
		{"a clean preferred username is kept", oidcClaims{PreferredUsername: "dottore-alice", Email: "alice@example.org"}, "dottore-alice"},
		{"a zero-width space makes the e-mail count instead", oidcClaims{PreferredUsername: "dottore\u200B-alice", Email: "alice@example.org"}, "alice@example.org"},
		{"a line break makes the name count instead", oidcClaims{PreferredUsername: "alice\nadmin-anna", Name: "Alice Verdi"}, "Alice Verdi"},
		{"a bidi override everywhere leaves the subject", oidcClaims{PreferredUsername: "ecila\u202E", Name: "x\u202Ey"}, "sub-1"},
		{"a name in NFD is recorded in NFC", oidcClaims{Name: "Nicolo\u0300"}, "Nicolò"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.claims.Subject == "" {
				c.claims.Subject = "sub-1"
			}
			if got := username(c.claims); got != c.want {
				t.Errorf("username = %q, want %q", got, c.want)
			}
		})
	}
	if got := username(oidcClaims{}); got != `""` {
		t.Errorf("no usable name at all: %q, want the quoted empty subject", got)
	}
}
