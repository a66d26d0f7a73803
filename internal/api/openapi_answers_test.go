package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// The answers below are those the OpenAPI document once left undeclared;
// each test makes them for real, and the package's conformance check
// (TestMain) validates every one against the served document.

// loginAs logs in with the demo account of the first role that action
// allows.
func loginAs(t *testing.T, s *apptest.Server, action access.Action) string {
	t.Helper()
	roles := access.Roles(action)
	if len(roles) == 0 {
		t.Fatalf("no role may %s", action)
	}
	for _, acct := range demo.Accounts {
		if acct.Roles[0] == roles[0] {
			return s.Login(t, acct.Username, acct.Password)
		}
	}
	t.Fatalf("no demo account has role %s", roles[0])
	return ""
}

// pathParam is a route template's parameter.
var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// Every operation that reads a JSON body refuses, as declared problems,
// a malformed body and a missing one (400), a body of another media type
// (415) and one over the limit (413), for a caller its action allows.
func TestEveryJSONBodyRefusalIsAProblem(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	_, doc := serveDocument(t)
	tokens := map[access.Action]string{}
	cases := []struct {
		name, ctype string
		body        []byte
		status      int
	}{
		{"malformed JSON", "application/json", []byte(`{"first_name": `), http.StatusBadRequest},
		{"no body", "application/json", nil, http.StatusBadRequest},
		{"a text/plain body", "text/plain", []byte(`{}`), http.StatusUnsupportedMediaType},
		{"a body over the limit", "application/json", bytes.Repeat([]byte(" "), 1<<20+1), http.StatusRequestEntityTooLarge},
	}
	checked := 0
	for _, r := range s.App.API().Routes() {
		op := doc.obj("paths", r.Path, strings.ToLower(r.Method))
		if doc.obj("paths", r.Path, strings.ToLower(r.Method), "requestBody", "content", "application/json") == nil || op == nil {
			continue
		}
		checked++
		if tokens[r.Action] == "" {
			tokens[r.Action] = loginAs(t, s, r.Action)
		}
		path := pathParam.ReplaceAllString(r.Path, "1") // bodies are read before references are resolved
		for _, c := range cases {
			t.Run(r.OperationID+"/"+c.name, func(t *testing.T) {
				req, err := http.NewRequest(r.Method, s.URL+path, bytes.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", c.ctype)
				req.Header.Set("Authorization", "Bearer "+tokens[r.Action])
				checkProblem(t, s.Send(t, req), c.status)
			})
		}
	}
	if checked == 0 {
		t.Fatal("no operation reads a JSON body")
	}
}

// Login takes only a form: a text/plain body, even one that reads as a
// form, JSON, or a body without a Content-Type is a 415.
func TestLoginTakesOnlyAForm(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	form := url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"alice"}}.Encode()
	for _, c := range []struct{ ctype, body string }{
		{"text/plain", form},
		{"application/json", `{"grant_type":"password","username":"` + demo.Doctor + `","password":"alice"}`},
		{"", form},
		{"multipart/form-data; boundary=x", "--x--\r\n"},
	} {
		t.Run(c.ctype, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/auth/token", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			res := s.Send(t, req)
			p := checkProblem(t, res, http.StatusUnsupportedMediaType)
			if !strings.Contains(p.Detail, "application/x-www-form-urlencoded") || bytes.Contains(res.Body, []byte("access_token")) {
				t.Errorf("%d %s, want a 415 naming the form type", res.Status, res.Body)
			}
		})
	}
	if tok := s.Login(t, demo.Doctor, "alice"); tok == "" {
		t.Error("the form itself no longer logs in")
	}
}

// created checks a 201: its Location is want, and reading it back (with
// method, where the resource has no GET) succeeds.
func created(t *testing.T, s *apptest.Server, res apptest.Response, want, method, token string, body any) {
	t.Helper()
	if res.Status != http.StatusCreated {
		t.Fatalf("= %d %s, want 201", res.Status, res.Body)
	}
	if got := res.Header.Get("Location"); got != want {
		t.Fatalf("Location %q, want %q", got, want)
	}
	if back := s.Do(t, method, want, token, body); back.Status != http.StatusOK {
		t.Errorf("%s Location: %d %s", method, back.Status, back.Body)
	}
}

// Every 201 says where what it created is, with the reference the body
// gives the caller (an id for doctors, the caller's pseudonym
// otherwise); a message, which has no address of its own, is located at
// its ticket.
func TestCreatedAnswersLocateWhatTheyCreated(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc, iit := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro")
	var ref struct {
		ID string `json:"id"`
	}

	t.Run("an enrolled patient", func(t *testing.T) {
		res := s.Do(t, http.MethodPost, "/api/v1/patients", doc, map[string]any{"first_name": "Ernesto", "last_name": "Brambilla",
			"codice_fiscale": "BRMRST41C12F205X", "address": "Via Padova 5, Milano", "diagnosis_class": "mci"})
		res.JSON(t, &ref)
		created(t, s, res, "/api/v1/patients/"+ref.ID, http.MethodGet, doc, nil)
	})

	inst := firstInstallation(t, s, iit)
	t.Run("a contact, added by an installer", func(t *testing.T) {
		contact := map[string]string{"alias": "neighbour", "phone": "+39 340 2222222"}
		res := s.Do(t, http.MethodPost, "/api/v1/installations/"+inst+"/contact-sheet/contacts", iit, contact)
		res.JSON(t, &ref)
		created(t, s, res, "/api/v1/installations/"+inst+"/contact-sheet/contacts/"+ref.ID, http.MethodPut, iit, contact)
	})

	t.Run("an uploaded document", func(t *testing.T) {
		res := postMultipart(t, s, "/api/v1/installations/"+inst+"/documents", iit, uploadPart{field: "file", filename: "scan.pdf", content: scanPDF})
		res.JSON(t, &ref)
		created(t, s, res, "/api/v1/documents/"+ref.ID, http.MethodGet, iit, nil)
	})

	var ticket string
	t.Run("a ticket", func(t *testing.T) {
		working := installationWithStatus(t, s, iit, "working")
		res := s.Do(t, http.MethodPost, "/api/v1/installations/"+working+"/tickets", iit, map[string]string{"category": "maintenance", "message": "sensor offline"})
		res.JSON(t, &ref)
		ticket = ref.ID
		created(t, s, res, "/api/v1/tickets/"+ticket, http.MethodGet, iit, nil)
	})

	t.Run("a message, at its ticket", func(t *testing.T) {
		if ticket == "" {
			t.Skip("no ticket was opened")
		}
		res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+ticket+"/messages", iit, map[string]string{"body": "on my way"})
		created(t, s, res, "/api/v1/tickets/"+ticket, http.MethodGet, iit, nil)
	})
}

// installationWithStatus is the caller's reference of an installation in
// status.
func installationWithStatus(t *testing.T, s *apptest.Server, token, status string) string {
	t.Helper()
	var list struct {
		Installations []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations", token, nil).JSON(t, &list)
	for _, inst := range list.Installations {
		if inst.Status == status {
			return inst.ID
		}
	}
	t.Fatalf("the caller sees no installation in status %s", status)
	return ""
}
