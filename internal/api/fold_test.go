package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// TestLettersThatDoNotDecompose, on both backends: a patient enrolled
// as Łukasz Øvergård (code VRGLSZ47C03F205L, accepted) is redacted for
// monitoring in every spelling an installer types (as written, in plain
// letters, in capitals, with å as "aa"), and doctors find the patient by
// the plain spellings as well as by the name as written.
func TestLettersThatDoNotDecompose(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			doctor := s.Login(t, demo.Doctor, "alice")
			rec := enrolBirth(t, s, doctor, map[string]any{"first_name": "Łukasz", "last_name": "Øvergård",
				"codice_fiscale": "VRGLSZ47C03F205L", "address": "Via Padova 9, Milano"})
			pid, err := strconv.ParseInt(rec.ID, 10, 64)
			if err != nil {
				t.Fatalf("record id %q: %v", rec.ID, err)
			}
			inst, ticket := openTicketOf(t, s.App.Store(), pid)
			ref := func(r domain.Role, k resource.Kind, id int64) string { return codec.Encode(r, k, id) }

			const written = "Spoke to Łukasz Øvergård; Lukasz Overgard says the hub (sig. Overgaard, LUKASZ OVERGARD) is unplugged."
			iit := s.Login(t, demo.Installer, "gennaro")
			if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ref(domain.RoleInstaller, resource.Ticket, ticket)+"/messages", iit,
				map[string]string{"body": written}); res.Status != http.StatusCreated && res.Status != http.StatusOK {
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
			n := view.Nickname
			want := "Spoke to " + n + "; " + n + " says the hub (sig. " + n + ", " + n + ") is unplugged."
			if n == "" || len(tk.Messages) == 0 || tk.Messages[len(tk.Messages)-1].Body != want {
				t.Errorf("monitoring reads %+v,\nwant last %q", tk.Messages, want)
			}

			for _, q := range []string{"Overgard", "Lukasz", "Øvergård", "Łukasz", "Overgaard", "OVERGARD LUKASZ"} {
				rows := allPages(t, s, doctor, "/api/v1/patients?limit=10&q="+url.QueryEscape(q), "patients")
				var got []string
				for _, r := range rows {
					got = append(got, r.str("id"))
				}
				if !slices.Equal(got, []string{rec.ID}) {
					t.Errorf("q=%q: %v, want [%s]", q, got, rec.ID)
				}
			}
		})
	}
}
