package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// inventedName is what a client may put where the API expects a field
// name: a codice fiscale. No refusal may send it back.
const inventedName = "MRNGNN48D03L219H"

// TestRefusalsNeverQuoteInventedNames plays each way a client-chosen name
// used to come back in a 400/422 answer: an unknown JSON member (at the
// top, in an array's object, holding an object), a mis-cased key (alone
// and next to the right one), a member given twice, bad UTF-8 under an
// invented member, a repeated form field and an unexpected multipart
// part. The status is what it was; the location is the nearest object the
// API declares; the invented name is nowhere in the body or headers.
func TestRefusalsNeverQuoteInventedNames(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	installer := s.Login(t, demo.Installer, "gennaro")
	inst := "/api/v1/installations/" + installerInstallation(t, s, installer)
	contactWith := func(key string) map[string]any {
		return withField(enrolmentBody(), "contacts", []map[string]any{{"alias": "figlio", "phone": "+39 340 1111111", key: "x"}})
	}
	cases := []struct {
		name, method, path, token string
		body                      any
		leaks                     []string
		status                    int
		location                  string
	}{
		{"an unknown member", http.MethodPost, "/api/v1/patients", doctor,
			withField(enrolmentBody(), inventedName, "x"), nil, http.StatusUnprocessableEntity, "body"},
		{"an unknown member of a contact", http.MethodPost, "/api/v1/patients", doctor,
			contactWith(inventedName), nil, http.StatusUnprocessableEntity, "body.contacts[0]"},
		{"an unknown member holding an object", http.MethodPost, "/api/v1/patients", doctor,
			withField(enrolmentBody(), inventedName, map[string]string{"nome": "Gianni"}), []string{"nome", "Gianni"}, http.StatusUnprocessableEntity, "body"},
		{"an unknown member of a ticket", http.MethodPost, inst + "/tickets", installer,
			map[string]string{"category": "maintenance", "message": "sensore", inventedName: "x"}, nil, http.StatusUnprocessableEntity, "body"},
		{"a mis-cased key", http.MethodPost, "/api/v1/patients", doctor,
			withField(withoutField(enrolmentBody(), "last_name"), "Last_Name", "Marangoni"), []string{"Last_Name"}, http.StatusUnprocessableEntity, "body"},
		{"a mis-cased key in a contact", http.MethodPost, "/api/v1/patients", doctor,
			contactWith("PHONE_" + inventedName), nil, http.StatusUnprocessableEntity, "body.contacts[0]"},
		{"a key next to itself in another case", http.MethodPost, "/api/v1/patients", doctor,
			json.RawMessage(`{"Codice_Fiscale":"x",` + string(mustJSON(t, enrolmentBody()))[1:]), []string{"Codice_Fiscale"}, http.StatusBadRequest, "body"},
		{"an invented member given twice", http.MethodPost, "/api/v1/patients", doctor,
			json.RawMessage(`{"` + inventedName + `":1,"` + inventedName + `":2}`), nil, http.StatusBadRequest, "body"},
		{"a duplicate inside an invented member", http.MethodPost, "/api/v1/patients", doctor,
			json.RawMessage(`{"` + inventedName + `":{"a":1,"a":2}}`), nil, http.StatusBadRequest, "body"},
		{"bad UTF-8 under an invented member", http.MethodPost, "/api/v1/patients", doctor,
			json.RawMessage("{\"contacts\":[{\"" + inventedName + "\":\"\xff\"}]}"), nil, http.StatusBadRequest, "body"},
		{"a repeated form field", http.MethodPost, tokenEndpoint, "",
			url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"alice"}, inventedName: {"1", "2"}}, nil, http.StatusBadRequest, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.Do(t, c.method, c.path, c.token, c.body)
			assertNoInventedName(t, res, c.status, c.location, append(c.leaks, inventedName))
		})
	}
	t.Run("a content type the client made up", func(t *testing.T) {
		res := s.Send(t, request(t, s, http.MethodPost, "/api/v1/patients", doctor, "application/"+strings.ToLower(inventedName), mustJSON(t, enrolmentBody()), nil))
		assertNoInventedName(t, res, http.StatusUnsupportedMediaType, "body", []string{strings.ToLower(inventedName), inventedName})
	})
	t.Run("an unexpected multipart part", func(t *testing.T) {
		res := postMultipart(t, s, inst+"/documents", installer,
			uploadPart{field: "file", filename: "scan.pdf", content: scanPDF}, uploadPart{field: inventedName, content: []byte("nota")})
		assertNoInventedName(t, res, http.StatusUnprocessableEntity, "body", []string{inventedName})
	})
}

// TestRefusalsStillNameDeclaredFields: what the API declares is named as
// before, so that a caller still learns which field is wrong.
func TestRefusalsStillNameDeclaredFields(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", doctor,
		json.RawMessage(`{"first_name":"A",`+string(mustJSON(t, enrolmentBody()))[1:])), http.StatusBadRequest)
	if !strings.Contains(string(mustJSON(t, p.Errors)), `duplicate key \"first_name\" in body`) {
		t.Errorf("errors %+v do not name the declared duplicate key", p.Errors)
	}
	form := url.Values{"grant_type": {"password"}, "username": {demo.Doctor, demo.Doctor}, "password": {"alice"}}
	p = checkProblem(t, s.Do(t, http.MethodPost, tokenEndpoint, "", form), http.StatusBadRequest)
	if !p.hasErrorAt("body.username") {
		t.Errorf("errors %+v do not name body.username", p.Errors)
	}
	p = checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", doctor,
		withField(enrolmentBody(), "contacts", []map[string]any{{"alias": "figlio", "phone": 3}})), http.StatusUnprocessableEntity)
	if !p.hasErrorAt("body.contacts[0].phone") {
		t.Errorf("errors %+v do not name body.contacts[0].phone", p.Errors)
	}
}

// assertNoInventedName checks the refusal's status and location and that
// none of leaks is anywhere in its body or headers.
func assertNoInventedName(t *testing.T, res apptest.Response, status int, location string, leaks []string) {
	t.Helper()
	p := checkProblem(t, res, status)
	if !p.hasErrorAt(location) {
		t.Errorf("errors %+v: none at %s", p.Errors, location)
	}
	for _, leak := range leaks {
		if strings.Contains(string(res.Body), leak) {
			t.Errorf("the %d answer quotes %q: %s", res.Status, leak, res.Body)
		}
		for name, values := range res.Header {
			if strings.Contains(name+": "+strings.Join(values, ", "), leak) {
				t.Errorf("header %s quotes %q", name, leak)
			}
		}
	}
}
