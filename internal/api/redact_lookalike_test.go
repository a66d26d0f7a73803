package api_test

import (
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// What looks like the stored value is redacted like it, on both backends:
// a surname typed with U+02BC for its apostrophe (the nickname), a phone
// with one full-width digit and a foreign number in its national trunk
// form (each "[phone]").
func TestRedactionOfLookAlikes(t *testing.T) {
	t.Parallel()
	onDemoPatient(t, "Via Padova 118", func(t *testing.T, s *apptest.Server, st domain.Study, codec *pseudonym.Codec, p domain.Patient) {
		id := p.Identity
		id.LastName = "D'Angelo"
		id.CodiceFiscale = mustRename(t, id.CodiceFiscale, id.LastName, id.FirstName)
		if _, err := st.UpdateIdentity(doctorCtx(), p.ID, id); err != nil {
			t.Fatal(err)
		}
		inst, ticket := openTicketOf(t, st, p.ID)
		iit := s.Login(t, demo.Installer, "gennaro")
		ref := func(r domain.Role, k resource.Kind, id int64) string { return codec.Encode(r, k, id) }
		sheet := "/api/v1/installations/" + ref(domain.RoleInstaller, resource.Installation, inst) + "/contact-sheet/contacts"
		for _, c := range []map[string]string{{"alias": "vicino", "phone": "+39 347 218 4590"}, {"alias": "badante", "phone": "+380 67 123 4567"}} {
			if res := s.Do(t, http.MethodPost, sheet, iit, c); res.Status != http.StatusCreated && res.Status != http.StatusOK {
				t.Fatalf("contact: %d %s", res.Status, res.Body)
			}
		}
		const written = "Sig. D\u02BC Angelo: chiamare 34721845\uFF190 oppure 067 123 4567."
		n, got := monitoringReadsMessage(t, s, codec, inst, ticket, written)
		if want := "Sig. " + n + ": chiamare [phone] oppure [phone]."; n == "" || got != want {
			t.Errorf("monitoring reads %q, want %q", got, want)
		}
	})
}

// monitoringReadsMessage has the demo installer write body on a ticket of
// the installation inst, and returns monitoring's nickname of the home
// and the last message of the ticket as monitoring reads it (redacted).
func monitoringReadsMessage(t *testing.T, s *apptest.Server, codec *pseudonym.Codec, inst, ticket int64, body string) (nickname, last string) {
	t.Helper()
	ref := func(r domain.Role, k resource.Kind, id int64) string { return codec.Encode(r, k, id) }
	iit := s.Login(t, demo.Installer, "gennaro")
	if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ref(domain.RoleInstaller, resource.Ticket, ticket)+"/messages", iit,
		map[string]string{"body": body}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
		t.Fatalf("message: %d %s", res.Status, res.Body)
	}
	mon := s.Login(t, demo.Monitoring, "vincenzo")
	var view struct {
		Nickname string `json:"nickname"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(domain.RoleMonitoring, resource.Installation, inst), mon, nil).JSON(t, &view)
	var tk struct {
		Messages []struct{ Body string } `json:"messages"`
	}
	s.Do(t, http.MethodGet, "/api/v1/tickets/"+ref(domain.RoleMonitoring, resource.Ticket, ticket), mon, nil).JSON(t, &tk)
	if len(tk.Messages) == 0 {
		t.Fatalf("monitoring reads no message on the ticket")
	}
	return view.Nickname, tk.Messages[len(tk.Messages)-1].Body
}
