package web

import (
	"testing"

	"serenade/internal/domain"
)

// TestPlaceholdersInTheUsersLanguage: the placeholders the API writes for
// identifying data are shown in Italian to Italian users who do not see
// identity; English users read them as the API writes them, and users who
// see identity read any text as written.
func TestPlaceholdersInTheUsersLanguage(t *testing.T) {
	s := testServer(t)
	page := func(lang string, role domain.Role) Page {
		return Page{L: s.bundle.Locale(lang, nil), User: &domain.Principal{Roles: []domain.Role{role}}}
	}
	const redacted = "lives with his wife [contact]; call [phone] or [email], [address], CF [codice fiscale]. [contatto] [Phone]"
	cases := []struct {
		name string
		p    Page
		want string
	}{
		{"monitoring in Italian", page("it", domain.RoleMonitoring),
			"lives with his wife [contatto]; call [telefono] or [e-mail], [indirizzo], CF [codice fiscale]. [contatto] [Phone]"},
		{"research in Italian", page("it", domain.RoleResearcher),
			"lives with his wife [contatto]; call [telefono] or [e-mail], [indirizzo], CF [codice fiscale]. [contatto] [Phone]"},
		{"monitoring in English", page("en", domain.RoleMonitoring), redacted},
		{"an installer sees identity: text as written", page("it", domain.RoleInstaller), redacted},
		{"a doctor sees identity: text as written", page("it", domain.RoleDoctor), redacted},
		{"no session", Page{L: s.bundle.Locale("it", nil)}, redacted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Free(redacted); got != c.want {
				t.Errorf("Free\n got %q\nwant %q", got, c.want)
			}
			if got := c.p.Message(redacted); got != c.want {
				t.Errorf("Message\n got %q\nwant %q", got, c.want)
			}
		})
	}
	if got, want := page("it", domain.RoleMonitoring).Message("Patient enrolled: the sensor kit is to be installed."),
		"Paziente arruolato: il kit di sensori è da installare."; got != want {
		t.Errorf("a system message reads %q, want %q", got, want)
	}
}
