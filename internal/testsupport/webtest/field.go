package webtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/api"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// Home is an enrolled patient's installation as the field teams reach
// it: the doctor's id, each field role's reference (its pseudonym) and
// the nickname each is shown (derived from the role's pseudonym, so the
// two differ).
type Home struct {
	ID                            int64
	Installer, Monitoring         string
	InstallerNick, MonitoringNick string
}

// Ref is the reference of a resource for a role that sees pseudonyms
// ("iit", "imt").
func Ref(s *apptest.Server, role domain.Role, kind resource.Kind, id int64) string {
	return pseudonym.New(s.App.Store().PseudonymKey()).Encode(role, kind, id)
}

// DemoToken logs a demo account in through the API.
func DemoToken(t testing.TB, s *apptest.Server, username string) string {
	t.Helper()
	a, ok := demo.AccountNamed(username)
	if !ok {
		t.Fatalf("no demo account %s", username)
	}
	return s.Login(t, a.Username, a.Password)
}

// EnrolHome enrols the nth fixture patient through the API as the demo
// doctor (which opens the installation ticket) and returns its home.
func EnrolHome(t testing.TB, s *apptest.Server, n int) Home {
	t.Helper()
	p := storetest.Patient(t, n)
	body := map[string]any{"first_name": p.Identity.FirstName, "last_name": p.Identity.LastName, "codice_fiscale": p.Identity.CodiceFiscale,
		"address": p.Identity.Address, "diagnosis_class": string(p.Identity.DiagnosisClass),
		"contacts": []map[string]string{{"alias": "figlia Giulia", "phone": "+39 333 1234567"}}}
	res := s.Do(t, http.MethodPost, "/api/v1/patients", DemoToken(t, s, demo.Doctor), body)
	if res.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	var rec struct {
		Installation string `json:"installation"`
	}
	res.JSON(t, &rec)
	return homeOf(t, s, rec.Installation)
}

// HomeOf is the home of a patient (the doctor's id of the patient, as in
// the path of its page), found in the demo doctor's installation list.
func HomeOf(t testing.TB, s *apptest.Server, patient string) Home {
	t.Helper()
	var list struct {
		Installations []struct {
			ID      string `json:"id"`
			Patient string `json:"patient"`
		} `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations?limit=1000", DemoToken(t, s, demo.Doctor), nil).JSON(t, &list)
	for _, in := range list.Installations {
		if in.Patient == patient {
			return homeOf(t, s, in.ID)
		}
	}
	t.Fatalf("no installation of patient %s", patient)
	return Home{}
}

// homeOf is the home of an installation (the doctor's id).
func homeOf(t testing.TB, s *apptest.Server, installation string) Home {
	t.Helper()
	id, err := strconv.ParseInt(installation, 10, 64)
	if err != nil {
		t.Fatalf("installation %q: %v", installation, err)
	}
	h := Home{ID: id, Installer: Ref(s, domain.RoleInstaller, resource.Installation, id), Monitoring: Ref(s, domain.RoleMonitoring, resource.Installation, id)}
	h.InstallerNick = nickname(t, s, demo.Installer, h.Installer)
	h.MonitoringNick = nickname(t, s, demo.Monitoring, h.Monitoring)
	return h
}

// nickname is the nickname of an installation a demo account is shown.
func nickname(t testing.TB, s *apptest.Server, username, ref string) string {
	t.Helper()
	var inst struct {
		Nickname string `json:"nickname"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations/"+ref, DemoToken(t, s, username), nil).JSON(t, &inst)
	if inst.Nickname == "" {
		t.Fatalf("%s is shown no nickname", username)
	}
	return inst.Nickname
}

// Tickets are an installation's tickets of a category as a role's
// account sees them in the work queue (their references), newest first.
func Tickets(t testing.TB, s *apptest.Server, username, installation string, category domain.TicketCategory) []string {
	t.Helper()
	var out struct {
		Tickets []struct {
			ID string `json:"id"`
		} `json:"tickets"`
	}
	res := s.Do(t, http.MethodGet, "/api/v1/tickets?sort=opened&installation="+installation+"&category="+string(category), DemoToken(t, s, username), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("ticket queue: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &out)
	ids := make([]string, len(out.Tickets))
	for i, tk := range out.Tickets {
		ids[i] = tk.ID
	}
	return ids
}

// StartCollecting closes the home's installation ticket through the API
// as the demo installer: collection starts.
func StartCollecting(t testing.TB, s *apptest.Server, h Home) {
	t.Helper()
	ids := Tickets(t, s, demo.Installer, h.Installer, domain.CategoryInstallation)
	if len(ids) != 1 {
		t.Fatalf("%d installation tickets, want 1", len(ids))
	}
	if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ids[0]+"/close", DemoToken(t, s, demo.Installer), nil); res.Status != http.StatusOK {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
}

// SendReadings provisions an ingest token as the demo installer and
// sends one reading per stream and minute over [from, from+minutes)
// through the ingest API.
func SendReadings(t testing.TB, s *apptest.Server, h Home, streams []string, from time.Time, minutes int) {
	t.Helper()
	res := s.Do(t, http.MethodPost, "/api/v1/installations/"+h.Installer+"/ingest-tokens", DemoToken(t, s, demo.Installer), nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("provision: %d %s", res.Status, res.Body)
	}
	var tok struct {
		Token string `json:"token"`
	}
	res.JSON(t, &tok)
	var items []string
	for m := range minutes {
		for i, st := range streams {
			items = append(items, fmt.Sprintf(`{"stream":%q,"time":%d,"value":%d}`, st, from.Add(time.Duration(m)*time.Minute).UnixMilli(), 20+i))
		}
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+api.IngestPath, strings.NewReader("["+strings.Join(items, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if res := s.Send(t, req); res.Status != http.StatusOK {
		t.Fatalf("ingest: %d %s", res.Status, res.Body)
	}
}
