package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// TestFreeTextIsRedactedForRolesWithoutIdentity has an installer write the
// patient's name into the home notes and a ticket, then reads them back
// as each role.
func TestFreeTextIsRedactedForRolesWithoutIdentity(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	var patient struct {
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name"`
		Installation string `json:"installation"`
	}
	s.Do(t, http.MethodGet, "/api/v1/patients/1", doc, nil).JSON(t, &patient)
	name := patient.FirstName + " " + patient.LastName
	note := "Ask for " + name + " at the door; " + strings.ToUpper(patient.LastName) + " naps after lunch"
	if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+patient.Installation, doc, homeContext(note)); res.Status != http.StatusOK {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	cases := []struct {
		user, password string
		seesName       bool
	}{
		{demo.Doctor, "alice", true},
		{demo.Installer, "gennaro", true},
		{demo.Monitoring, "vincenzo", false},
		{demo.Researcher, "stefano", false},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			tok := s.Login(t, c.user, c.password)
			var list struct {
				Installations []struct {
					ID      string            `json:"id"`
					Context map[string]string `json:"context"`
				} `json:"installations"`
			}
			s.Do(t, http.MethodGet, "/api/v1/installations", tok, nil).JSON(t, &list)
			paths := []string{"/api/v1/installations"}
			for _, i := range list.Installations {
				if strings.Contains(i.Context["habit_notes"], "naps after lunch") {
					paths = append(paths, "/api/v1/installations/"+i.ID)
				}
			}
			if len(paths) != 2 {
				t.Fatalf("the noted installation is not in the list")
			}
			for _, path := range paths {
				body := string(s.Do(t, http.MethodGet, path, tok, nil).Body)
				if !strings.Contains(body, "naps after lunch") {
					t.Fatalf("%s: the note is missing: %s", path, body)
				}
				leaks := strings.Contains(strings.ToLower(body), strings.ToLower(patient.LastName))
				if leaks != c.seesName {
					t.Errorf("%s: name shown = %v, want %v", path, leaks, c.seesName)
				}
			}
		})
	}
}

// homeContext is a full home description (PUT replaces it whole).
func homeContext(habits string) map[string]string {
	hc := map[string]string{}
	for _, f := range []string{"apartment_type", "internet_type", "flatmates", "pets", "visitors", "smartphone_model", "appliances", "issue_notes", "other_notes"} {
		hc[f] = ""
	}
	hc["habit_notes"] = habits
	return hc
}

// TestRedactionOfWhatStaffWrite plays the faults of the first redaction
// end to end, on both backends. The patient is named after the very
// nicknames monitoring (first name) and research (surname) would draw for
// them; an installer then writes the patient's phone, street, names and
// codice fiscale the way people type them into a ticket, the home notes
// and a document's name. The installer reads them as written; monitoring and research
// read their nickname for the names and a placeholder for the phone, street and codice
// fiscale, never the real ones.
func TestRedactionOfWhatStaffWrite(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			st := s.App.Study()
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			p := demoPatientAt(t, s, "Via Padova 118")
			draw := func(r domain.Role) string { return codec.Nickname(r, p.ID) }
			id := p.Identity
			id.FirstName, id.LastName = draw(domain.RoleMonitoring), draw(domain.RoleResearcher)
			id.CodiceFiscale = mustRename(t, id.CodiceFiscale, id.LastName, id.FirstName)
			if _, err := st.UpdateIdentity(doctorCtx(), p.ID, id); err != nil {
				t.Fatal(err)
			}
			cf := id.CodiceFiscale
			written := fmt.Sprintf("Chiamato il 347 2184590: %s %s aprirà in via Padova 118. CF %s %s %s %s. Season tickets; the person to call is the son.",
				strings.ToUpper(id.FirstName), accented(id.LastName), cf[:3], cf[3:6], cf[6:11], cf[11:])
			redacted := func(n string) string {
				return fmt.Sprintf("Chiamato il [phone]: %s aprirà in [address]. CF [codice fiscale]. Season tickets; the person to call is the son.", n)
			}
			inst, ticket := openTicketOf(t, st, p.ID)
			iit := s.Login(t, demo.Installer, "gennaro")
			ref := func(r domain.Role, k resource.Kind, id int64) string { return codec.Encode(r, k, id) }
			if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ref(domain.RoleInstaller, resource.Ticket, ticket)+"/messages", iit,
				map[string]string{"body": written}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
				t.Fatalf("message: %d %s", res.Status, res.Body)
			}
			if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+ref(domain.RoleInstaller, resource.Installation, inst), iit,
				homeContext(written)); res.Status != http.StatusOK {
				t.Fatalf("home notes: %d %s", res.Status, res.Body)
			}
			docName := fmt.Sprintf("Consenso %s %s, %s.pdf", id.LastName, strings.ToLower(id.FirstName), strings.ToLower(cf))
			upload := send(t, s, http.MethodPost, "/api/v1/installations/"+ref(domain.RoleInstaller, resource.Installation, inst)+"/documents", iit,
				uploadFile{name: docName, content: fixturePDF})
			if upload.Status != http.StatusOK && upload.Status != http.StatusCreated {
				t.Fatalf("upload: %d %s", upload.Status, upload.Body)
			}
			readers := []struct {
				role           domain.Role
				user, password string
				tickets        bool
				identity       bool
			}{
				{domain.RoleInstaller, demo.Installer, "gennaro", true, true},
				{domain.RoleMonitoring, demo.Monitoring, "vincenzo", true, false},
				{domain.RoleResearcher, demo.Researcher, "stefano", false, false},
			}
			for _, rd := range readers {
				tok := s.Login(t, rd.user, rd.password)
				var view struct {
					Nickname string            `json:"nickname"`
					Context  map[string]string `json:"context"`
				}
				s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(rd.role, resource.Installation, inst), tok, nil).JSON(t, &view)
				if view.Nickname == "" || view.Nickname == id.FirstName || view.Nickname == id.LastName {
					t.Fatalf("%s: nickname %q for %s %s", rd.role, view.Nickname, id.FirstName, id.LastName)
				}
				want := written
				if !rd.identity {
					want = redacted(view.Nickname)
				}
				if got := view.Context["habit_notes"]; got != want {
					t.Errorf("%s home notes:\n got %q\nwant %q", rd.role, got, want)
				}
				wantDoc := docName
				if !rd.identity {
					wantDoc = "Consenso " + view.Nickname + ", [codice fiscale].pdf"
				}
				var docs struct {
					Documents []struct{ Name string } `json:"documents"`
				}
				s.Do(t, http.MethodGet, "/api/v1/installations/"+ref(rd.role, resource.Installation, inst)+"/documents", tok, nil).JSON(t, &docs)
				if !slices.ContainsFunc(docs.Documents, func(d struct{ Name string }) bool { return d.Name == wantDoc }) {
					t.Errorf("%s documents: %+v, want one named %q", rd.role, docs.Documents, wantDoc)
				}
				if !rd.tickets {
					continue
				}
				var tk struct {
					Messages []struct{ Body string } `json:"messages"`
				}
				s.Do(t, http.MethodGet, "/api/v1/tickets/"+ref(rd.role, resource.Ticket, ticket), tok, nil).JSON(t, &tk)
				if got := tk.Messages[len(tk.Messages)-1].Body; got != want {
					t.Errorf("%s ticket message:\n got %q\nwant %q", rd.role, got, want)
				}
			}
		})
	}
}

// accented spells a name with its last vowel accented, as some staff do
// ("Colombò", "Àmr"). The name is a nickname drawn at random, so it may
// have no lower-case vowel ("Amr", "Ernst") or none at all ("Md"): the
// accent then goes on its capital, or nowhere, because a letter added
// ("Amrì") would make it another word, which no redaction should catch.
func accented(name string) string {
	i := strings.LastIndexAny(name, "aeiouAEIOU")
	if i < 0 {
		return name
	}
	return name[:i] + map[byte]string{'a': "à", 'e': "è", 'i': "ì", 'o': "ò", 'u': "ù",
		'A': "À", 'E': "È", 'I': "Ì", 'O': "Ò", 'U': "Ù"}[name[i]] + name[i+1:]
}

// demoPatientAt is the demo patient living at the street given.
// onDemoPatient runs f on both backends, each with a demo server, its
// study service, its pseudonym codec and the demo patient living at street.
func onDemoPatient(t *testing.T, street string, f func(t *testing.T, s *apptest.Server, st domain.Study, codec *pseudonym.Codec, p domain.Patient)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			f(t, s, s.App.Study(), pseudonym.New(s.App.Store().PseudonymKey()), demoPatientAt(t, s, street))
		})
	}
}

func demoPatientAt(t *testing.T, s *apptest.Server, street string) domain.Patient {
	t.Helper()
	patients, err := s.App.Store().Patients(doctorCtx())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range patients {
		if strings.HasPrefix(p.Identity.Address, street) {
			return p
		}
	}
	t.Fatalf("no demo patient at %s", street)
	return domain.Patient{}
}

// openTicketOf returns the installation of a patient and its open ticket.
func openTicketOf(t *testing.T, st interface {
	Installations(context.Context) ([]domain.Installation, error)
	Tickets(context.Context, int64) ([]domain.Ticket, error)
}, patientID int64) (installation, ticket int64) {
	t.Helper()
	insts, err := st.Installations(doctorCtx())
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range insts {
		if inst.PatientID != patientID {
			continue
		}
		tickets, err := st.Tickets(doctorCtx(), inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tickets {
			if tk.Open() {
				return inst.ID, tk.ID
			}
		}
	}
	t.Fatalf("patient %d has no open ticket", patientID)
	return 0, 0
}
