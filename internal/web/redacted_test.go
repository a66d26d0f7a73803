package web

import (
	"testing"

	"serenade/internal/domain"
	"serenade/internal/view"
)

// TestPlaceholdersInTheUsersLanguage: the placeholders the API writes for
// identifying data are shown in Italian to Italian users who do not see
// identity, in text the API says it redacted; English users read them as
// the API writes them, users who see identity read any text as written,
// and so does everyone text the API did not redact (written by monitoring
// itself: "shown exactly as written").
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
			if got := c.p.Text(redacted, true); got != c.want {
				t.Errorf("Text of redacted text\n got %q\nwant %q", got, c.want)
			}
			if got := c.p.Message(redacted, true); got != c.want {
				t.Errorf("Message redacted\n got %q\nwant %q", got, c.want)
			}
			if got := c.p.Text(redacted, false); got != redacted {
				t.Errorf("Text of text shown as written\n got %q\nwant %q", got, redacted)
			}
			if got := c.p.Message(redacted, false); got != redacted {
				t.Errorf("Message shown as written\n got %q\nwant %q", got, redacted)
			}
		})
	}
	imt := page("it", domain.RoleMonitoring)
	if got, want := imt.Message("Please send [phone] and [email] of the carer", false),
		"Please send [phone] and [email] of the carer"; got != want {
		t.Errorf("monitoring's own message reads %q, want %q", got, want)
	}
	if got, want := imt.Message("Patient enrolled: the sensor kit is to be installed.", true),
		"Paziente arruolato: il kit di sensori è da installare."; got != want {
		t.Errorf("a system message reads %q, want %q", got, want)
	}
	inst := view.InstallationView{Context: view.HomeContext{Flatmates: "lives with his wife [contact]", OtherNotes: "send [phone]"},
		ContextRedacted: []string{"flatmates"}}
	for name, want := range map[string]string{"flatmates": "lives with his wife [contatto]", "other_notes": "send [phone]", "pets": "", "nothing": ""} {
		if got := imt.Context(inst, name); got != want {
			t.Errorf("Context %s reads %q, want %q", name, got, want)
		}
	}
}

// TestPlaceholdersBackToTheAPI: what an Italian user types with the
// placeholders in Italian is sent with the API's; the table is one, both
// ways, and users who see identity or read English send text as typed.
func TestPlaceholdersBackToTheAPI(t *testing.T) {
	s := testServer(t)
	it := placeholders(s.bundle.Locale("it", nil), []domain.Role{domain.RoleMonitoring})
	const typed = "lives with the carer [contatto] (mornings), [telefono], [e-mail], [indirizzo], [codice fiscale], [Contatto], [phone]"
	if got, want := it.API(typed),
		"lives with the carer [contact] (mornings), [phone], [email], [address], [codice fiscale], [Contatto], [phone]"; got != want {
		t.Errorf("API\n got %q\nwant %q", got, want)
	}
	const api = "[contact] [phone] [email] [address] [codice fiscale]"
	if got := it.API(it.Show(api)); got != api {
		t.Errorf("back and forth %q reads %q", api, got)
	}
	for _, t2 := range []*placeholderTable{
		placeholders(s.bundle.Locale("en", nil), []domain.Role{domain.RoleMonitoring}),
		placeholders(s.bundle.Locale("it", nil), []domain.Role{domain.RoleInstaller}),
	} {
		if got := t2.API(typed); got != typed {
			t.Errorf("a user without the table sends %q, want %q", got, typed)
		}
	}
}
