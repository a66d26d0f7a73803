package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// guesses is what the reviewer wrote as imt about demo patient 1
// (Ambrogio Colombo, Via Padova 118): wrong and right surnames, first
// names and streets side by side. Redacting only the right ones told imt
// which guesses were right.
const guesses = "Rossi Russo Ferrari Bianchi Colombo Romano Giuseppe Ambrogio. via Roma 1, via Padova 118, corso Buenos Aires 3"

// TestBlindTextIsShownAsWritten: text imt writes comes back to imt (and
// to unimi) exactly as written, whichever guesses are right, while the
// same text written by an installer is redacted; the doctor reads both
// as written. Both backends.
func TestBlindTextIsShownAsWritten(t *testing.T) {
	t.Parallel()
	onDemoPatient(t, "Via Padova 118", func(t *testing.T, s *apptest.Server, st domain.Study, codec *pseudonym.Codec, p domain.Patient) {
		inst, ticket := openTicketOf(t, st, p.ID)
		imt, iit := s.Login(t, demo.Monitoring, "vincenzo"), s.Login(t, demo.Installer, "gennaro")
		unimi, doc := s.Login(t, demo.Researcher, "stefano"), s.Login(t, demo.Doctor, "alice")
		ref := func(r domain.Role, k resource.Kind, id int64) string { return refAs(codec, r, k, id) }

		post := func(tok string, r domain.Role) {
			t.Helper()
			res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ref(r, resource.Ticket, ticket)+"/messages", tok, map[string]string{"body": guesses})
			if res.Status != http.StatusCreated && res.Status != http.StatusOK {
				t.Fatalf("message: %d %s", res.Status, res.Body)
			}
		}
		post(imt, domain.RoleMonitoring)
		post(iit, domain.RoleInstaller)
		bodies := func(tok, path string) []string {
			t.Helper()
			var tk struct {
				Messages []struct{ Body string } `json:"messages"`
			}
			s.Do(t, http.MethodGet, path, tok, nil).JSON(t, &tk)
			if len(tk.Messages) < 2 {
				t.Fatalf("%d messages", len(tk.Messages))
			}
			var out []string
			for _, m := range tk.Messages[len(tk.Messages)-2:] {
				out = append(out, m.Body)
			}
			return out
		}
		got := bodies(imt, "/api/v1/tickets/"+ref(domain.RoleMonitoring, resource.Ticket, ticket))
		if got[0] != guesses {
			t.Errorf("imt reads its own message as %q, want it as written %q", got[0], guesses)
		}
		if strings.Contains(got[1], "Colombo") || strings.Contains(got[1], "Ambrogio") || strings.Contains(got[1], "via Padova 118") ||
			!strings.Contains(got[1], "Rossi Russo Ferrari Bianchi") {
			t.Errorf("imt reads the installer's message as %q, want the patient's names and street redacted, the rest kept", got[1])
		}
		if got := bodies(doc, "/api/v1/tickets/"+ref(domain.RoleDoctor, resource.Ticket, ticket)); got[0] != guesses || got[1] != guesses {
			t.Errorf("the doctor reads %q, want both as written", got)
		}

		// The same through the home context, with the right and a wrong codice fiscale.
		notes := "Rossi Colombo Bianchi; via Roma 1; via Padova 118; " + p.Identity.CodiceFiscale + " RSSMRA41C14F205C"
		path := "/api/v1/installations/" + ref(domain.RoleMonitoring, resource.Installation, inst)
		var view struct {
			Context map[string]string `json:"context"`
		}
		s.Do(t, http.MethodGet, path, imt, nil).JSON(t, &view)
		view.Context["other_notes"] = notes
		res := s.Do(t, http.MethodPut, path, imt, view.Context)
		if res.Status != http.StatusOK {
			t.Fatalf("update: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &view)
		if view.Context["other_notes"] != notes {
			t.Errorf("PUT answers other_notes %q, want as written %q", view.Context["other_notes"], notes)
		}
		for _, c := range []struct{ tok, path string }{
			{imt, path},
			{unimi, "/api/v1/installations/" + ref(domain.RoleResearcher, resource.Installation, inst)},
			{doc, "/api/v1/installations/" + ref(domain.RoleDoctor, resource.Installation, inst)},
		} {
			s.Do(t, http.MethodGet, c.path, c.tok, nil).JSON(t, &view)
			if view.Context["other_notes"] != notes {
				t.Errorf("%s reads other_notes %q, want as written %q", c.path, view.Context["other_notes"], notes)
			}
		}
	})
}

// TestBlindEditDoesNotWriteTheRedactedViewBack: imt reads patient 1's
// home context (flatmates "lives with his wife Maddalena", shown as
// "lives with his wife [contact]") and sends it back with only habit_notes changed. The
// flatmates stay as the installers wrote them for the doctor and the
// installer, and unimi's view of them is what it was before, never imt's
// nickname. Both backends.
func TestBlindEditDoesNotWriteTheRedactedViewBack(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			st := s.App.Study()
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			p := demoPatientAt(t, s, "Via Padova 118")
			inst, _ := openTicketOf(t, st, p.ID)
			tokens := map[domain.Role]string{
				domain.RoleDoctor: s.Login(t, demo.Doctor, "alice"), domain.RoleInstaller: s.Login(t, demo.Installer, "gennaro"),
				domain.RoleMonitoring: s.Login(t, demo.Monitoring, "vincenzo"), domain.RoleResearcher: s.Login(t, demo.Researcher, "stefano"),
			}
			context := func(r domain.Role) map[string]string {
				t.Helper()
				var view struct {
					Context map[string]string `json:"context"`
				}
				s.Do(t, http.MethodGet, "/api/v1/installations/"+refAs(codec, r, resource.Installation, inst), tokens[r], nil).JSON(t, &view)
				return view.Context
			}
			const flatmates = "lives with his wife Maddalena"
			stored, before, unimiBefore := context(domain.RoleDoctor), context(domain.RoleMonitoring), context(domain.RoleResearcher)
			if stored["flatmates"] != flatmates || before["flatmates"] != "lives with his wife [contact]" {
				t.Fatalf("fixture: doctor reads %q, imt %q; want the stored text and the wife as a contact", stored["flatmates"], before["flatmates"])
			}

			sent := before
			sent["habit_notes"] = "walks to the park every morning"
			res := s.Do(t, http.MethodPut, "/api/v1/installations/"+refAs(codec, domain.RoleMonitoring, resource.Installation, inst), tokens[domain.RoleMonitoring], sent)
			if res.Status != http.StatusOK {
				t.Fatalf("update: %d %s", res.Status, res.Body)
			}

			want := stored
			want["habit_notes"] = sent["habit_notes"]
			for _, r := range []domain.Role{domain.RoleDoctor, domain.RoleInstaller} {
				if got := context(r); !equalMaps(got, want) {
					t.Errorf("%s reads %v after imt's edit, want %v", r, got, want)
				}
			}
			if got := context(domain.RoleMonitoring); !equalMaps(got, sent) {
				t.Errorf("imt reads %v after its edit, want %v", got, sent)
			}
			unimiAfter := context(domain.RoleResearcher)
			for f, v := range unimiBefore {
				if f != "habit_notes" && unimiAfter[f] != v {
					t.Errorf("unimi reads %s = %q after imt's edit, want %q as before", f, unimiAfter[f], v)
				}
			}
			if unimiAfter["habit_notes"] != sent["habit_notes"] {
				t.Errorf("unimi reads habit_notes %q, want imt's text as written", unimiAfter["habit_notes"])
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// refAs is how a caller of role r names a resource: doctors by id, the
// other roles by their pseudonym.
func refAs(codec *pseudonym.Codec, r domain.Role, k resource.Kind, id int64) string {
	if r == domain.RoleDoctor {
		return strconv.FormatInt(id, 10)
	}
	return codec.Encode(r, k, id)
}

// TestTheAPISaysWhichTextItRedacted: a client that shows the placeholders
// in its own language must know which text holds the API's placeholders.
// imt's message "Please send [phone] and [email] of the carer" is shown to
// imt as written and not marked; the installer's message is marked
// redacted for imt; the doctor reads both unmarked. The home context
// names, for imt and unimi, the non-empty fields shown redacted: all but
// the one imt wrote. Both backends.
func TestTheAPISaysWhichTextItRedacted(t *testing.T) {
	t.Parallel()
	onDemoPatient(t, "Via Padova 118", func(t *testing.T, s *apptest.Server, st domain.Study, codec *pseudonym.Codec, p domain.Patient) {
		inst, ticket := openTicketOf(t, st, p.ID)
		tokens := map[domain.Role]string{
			domain.RoleDoctor: s.Login(t, demo.Doctor, "alice"), domain.RoleInstaller: s.Login(t, demo.Installer, "gennaro"),
			domain.RoleMonitoring: s.Login(t, demo.Monitoring, "vincenzo"), domain.RoleResearcher: s.Login(t, demo.Researcher, "stefano"),
		}
		const mine = "Please send [phone] and [email] of the carer"
		for _, m := range []struct {
			r    domain.Role
			body string
		}{{domain.RoleMonitoring, mine}, {domain.RoleInstaller, "Ambrogio Colombo: ok"}} {
			res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+refAs(codec, m.r, resource.Ticket, ticket)+"/messages", tokens[m.r], map[string]string{"body": m.body})
			if res.Status != http.StatusCreated && res.Status != http.StatusOK {
				t.Fatalf("message: %d %s", res.Status, res.Body)
			}
		}
		type message struct {
			Body     string `json:"body"`
			Redacted *bool  `json:"redacted"`
		}
		lastTwo := func(r domain.Role) []message {
			t.Helper()
			var tk struct {
				Messages []message `json:"messages"`
			}
			s.Do(t, http.MethodGet, "/api/v1/tickets/"+refAs(codec, r, resource.Ticket, ticket), tokens[r], nil).JSON(t, &tk)
			if len(tk.Messages) < 2 {
				t.Fatalf("%d messages", len(tk.Messages))
			}
			return tk.Messages[len(tk.Messages)-2:]
		}
		got := lastTwo(domain.RoleMonitoring)
		if got[0].Body != mine || got[0].Redacted != nil {
			t.Errorf("imt reads its own message as %q, redacted %v; want it as written, unmarked", got[0].Body, got[0].Redacted)
		}
		if got[1].Redacted == nil || !*got[1].Redacted || strings.Contains(got[1].Body, "Colombo") {
			t.Errorf("imt reads the installer's message as %q, redacted %v; want it redacted and marked", got[1].Body, got[1].Redacted)
		}
		for _, m := range lastTwo(domain.RoleDoctor) {
			if m.Redacted != nil {
				t.Errorf("the doctor reads %q marked redacted %v", m.Body, *m.Redacted)
			}
		}

		type installation struct {
			Context         map[string]string `json:"context"`
			ContextRedacted []string          `json:"context_redacted"`
		}
		path := func(r domain.Role) string {
			return "/api/v1/installations/" + refAs(codec, r, resource.Installation, inst)
		}
		var v installation
		s.Do(t, http.MethodGet, path(domain.RoleMonitoring), tokens[domain.RoleMonitoring], nil).JSON(t, &v)
		v.Context["other_notes"] = "Please send [phone] of the carer"
		if res := s.Do(t, http.MethodPut, path(domain.RoleMonitoring), tokens[domain.RoleMonitoring], v.Context); res.Status != http.StatusOK {
			t.Fatalf("update: %d %s", res.Status, res.Body)
		}
		var doc installation
		s.Do(t, http.MethodGet, path(domain.RoleDoctor), tokens[domain.RoleDoctor], nil).JSON(t, &doc)
		if doc.ContextRedacted != nil {
			t.Errorf("the doctor is told context fields %v are redacted", doc.ContextRedacted)
		}
		var want []string
		for _, f := range []string{"apartment_type", "internet_type", "flatmates", "pets", "visitors", "smartphone_model", "appliances",
			"issue_notes", "habit_notes"} {
			if doc.Context[f] != "" {
				want = append(want, f)
			}
		}
		if !slices.Contains(want, "flatmates") {
			t.Fatalf("fixture: the demo home has no flatmates: %v", doc.Context)
		}
		for _, r := range []domain.Role{domain.RoleMonitoring, domain.RoleResearcher} {
			var got installation
			s.Do(t, http.MethodGet, path(r), tokens[r], nil).JSON(t, &got)
			if !slices.Equal(got.ContextRedacted, want) {
				t.Errorf("%s is told the redacted fields are %v, want %v (not other_notes, written by imt)", r, got.ContextRedacted, want)
			}
		}
	})
}
