package api_test

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// apiProblem is an RFC 9457 problem document as the API sends it, with
// huma's list of validation errors.
type apiProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

// problemSlugByStatus are the stable problem types of the statuses the API sends.
var problemSlugByStatus = map[int]string{
	http.StatusBadRequest:            "invalid",
	http.StatusUnprocessableEntity:   "invalid",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too-large",
	http.StatusTooManyRequests:       "rate-limited",
}

const problemTypePrefix = "https://serenade.invalid/problems/"

// checkProblem fails unless res is a problem+json document with the given
// status, its stable type, and nothing that looks like a Go stack trace.
func checkProblem(t testing.TB, res apptest.Response, status int) apiProblem {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", res.Header.Get("Content-Type"))
	}
	checkNoInternals(t, res.Body)
	var p apiProblem
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, res.Body)
	}
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if slug, ok := problemSlugByStatus[status]; ok && p.Type != problemTypePrefix+slug {
		t.Errorf("problem type %q, want %q", p.Type, problemTypePrefix+slug)
	} else if !strings.HasPrefix(p.Type, problemTypePrefix) {
		t.Errorf("problem type %q is not under %s", p.Type, problemTypePrefix)
	}
	if p.Title == "" {
		t.Errorf("problem has no title: %s", res.Body)
	}
	return p
}

// checkNoInternals fails if body shows a stack trace or source positions.
func checkNoInternals(t testing.TB, body []byte) {
	t.Helper()
	for _, leak := range []string{"goroutine", ".go:", "panic", "runtime/"} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("response contains %q: %s", leak, body)
		}
	}
}

// hasErrorAt reports whether the problem lists an error at location.
func (p apiProblem) hasErrorAt(location string) bool {
	for _, e := range p.Errors {
		if e.Location == location {
			return true
		}
	}
	return false
}

// enrolmentBody is an enrolment body that passes validation, to be altered
// by each case.
func enrolmentBody() map[string]any {
	return map[string]any{
		"first_name": "Ernesto", "last_name": "Brambilla", "codice_fiscale": "BRMRST41C12F205X",
		"address": "Via Padova 5, Milano", "diagnosis_class": "mci",
		"contacts": []map[string]string{{"alias": "son Luca", "phone": "+39 340 1111111"}},
	}
}

func withField(body map[string]any, key string, value any) map[string]any {
	body[key] = value
	return body
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	tok := s.Login(t, demo.Doctor, "alice")

	t.Run("a well-formed enrolment is accepted, so the refusals below are about their one defect", func(t *testing.T) {
		res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, enrolmentBody())
		if res.Status != http.StatusCreated {
			t.Fatalf("enrol: %d %s", res.Status, res.Body)
		}
	})

	invalid := []struct {
		name     string
		body     any
		status   int
		location string // the error the problem must list
		message  string // what the message must say, case-insensitive
	}{
		{"an unknown JSON field is refused at its object, without its name", withField(enrolmentBody(), "favourite_colour", "blue"),
			http.StatusUnprocessableEntity, "body", "unexpected property"},
		{"a number where a string is expected is refused", withField(enrolmentBody(), "first_name", 42),
			http.StatusUnprocessableEntity, "body.first_name", "string"},
		{"a diagnosis class outside the enum is refused", withField(enrolmentBody(), "diagnosis_class", "flu"),
			http.StatusUnprocessableEntity, "body.diagnosis_class", "mci"},
		{"a codice fiscale with a wrong check character is refused by position, without the right one",
			withField(enrolmentBody(), "codice_fiscale", "BRMRST41C12F205Z"), http.StatusUnprocessableEntity, "body.codice_fiscale", "wrong check character at position 16"},
		{"a codice fiscale that is too short says how long it must be",
			withField(enrolmentBody(), "codice_fiscale", "BRMRST41C12F205"), http.StatusUnprocessableEntity, "body.codice_fiscale", "must be 16 characters, got 15"},
		{"a codice fiscale that is too long is refused by the schema",
			withField(enrolmentBody(), "codice_fiscale", "BRMRST41C12F205XX"), http.StatusUnprocessableEntity, "body.codice_fiscale", "at most 16 characters"},
		{"a codice fiscale with an invalid month letter names it",
			withField(enrolmentBody(), "codice_fiscale", "BRMRST41X12F205X"), http.StatusUnprocessableEntity, "body.codice_fiscale", "invalid month letter (expected one of ABCDEHLMPRST) at position 9"},
		{"a codice fiscale with an impossible day names it",
			withField(enrolmentBody(), "codice_fiscale", "BRMRST41C99F205X"), http.StatusUnprocessableEntity, "body.codice_fiscale", "day out of range (expected 01-31 for males, 41-71 for females) at position 10"},
		{"a missing codice fiscale is refused", withField(enrolmentBody(), "codice_fiscale", ""),
			http.StatusUnprocessableEntity, "body.codice_fiscale", "required"},
		{"a malformed JSON body is a bad request naming the body", []byte(`{"first_name": "Ernesto",`),
			http.StatusBadRequest, "body", "unexpected end of JSON input"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", tok, tt.body), tt.status)
			if len(p.Errors) == 0 {
				t.Fatalf("no errors listed: %+v", p)
			}
			if !p.hasErrorAt(tt.location) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.location)
			}
			if tt.location == "body.codice_fiscale" && p.Errors[0].Location != tt.location {
				t.Errorf("errors[0].location = %q, want %q", p.Errors[0].Location, tt.location)
			}
			for _, e := range p.Errors {
				if e.Location == tt.location && !strings.Contains(strings.ToLower(e.Message), strings.ToLower(tt.message)) {
					t.Errorf("message %q at %s does not say %q", e.Message, e.Location, tt.message)
				}
			}
		})
	}

	t.Run("a codice fiscale already enrolled is a conflict, in upper or lower case", func(t *testing.T) {
		id := demoIdentity(t, s, tok)
		for _, typed := range []string{id.CodiceFiscale, strings.ToLower(id.CodiceFiscale)} {
			body := withField(withField(enrolmentBody(), "first_name", id.FirstName), "last_name", id.LastName)
			checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", tok, withField(body, "codice_fiscale", typed)), http.StatusConflict)
		}
	})

	t.Run("a JSON body over one mebibyte is refused with a client error, not read whole", func(t *testing.T) {
		body := enrolmentBody()
		body["medical_notes"] = strings.Repeat("a", 1<<20+1)
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, raw)
		if res.Status < 400 || res.Status >= 500 {
			t.Fatalf("status %d, want a 4xx: %.300s", res.Status, res.Body)
		}
		checkProblem(t, res, http.StatusRequestEntityTooLarge)
	})

	t.Run("a path parameter longer than its limit is refused", func(t *testing.T) {
		p := checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/patients/"+strings.Repeat("9", 41), tok, nil), http.StatusUnprocessableEntity)
		if !p.hasErrorAt("path.patient") {
			t.Errorf("errors %+v do not name path.patient", p.Errors)
		}
	})

	t.Run("a patient id that does not exist is not found", func(t *testing.T) {
		checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/patients/999999", tok, nil), http.StatusNotFound)
	})

	t.Run("an unknown route under the API is not found", func(t *testing.T) {
		for _, path := range []string{"/api/v1/nothing-here", "/api/v1/patients/1/nothing-here"} {
			res := s.Do(t, http.MethodGet, path, tok, nil)
			if res.Status != http.StatusNotFound {
				t.Fatalf("GET %s: %d, want 404: %s", path, res.Status, res.Body)
			}
			checkNoInternals(t, res.Body)
		}
	})
}

// demoCodiceFiscale returns the codice fiscale of the first demo patient.
func demoCodiceFiscale(t *testing.T, s *apptest.Server, doctorToken string) string {
	t.Helper()
	return demoIdentity(t, s, doctorToken).CodiceFiscale
}

// demoName is a demo patient's codice fiscale with the names it encodes.
type demoName struct {
	CodiceFiscale string `json:"codice_fiscale"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
}

// demoIdentity returns the codice fiscale and names of a demo patient
// still enrolled.
func demoIdentity(t *testing.T, s *apptest.Server, doctorToken string) demoName {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/patients", doctorToken, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list patients: %d %s", res.Status, res.Body)
	}
	var list struct {
		Patients []struct {
			ID        string `json:"id"`
			Withdrawn bool   `json:"withdrawn"`
		} `json:"patients"`
	}
	res.JSON(t, &list)
	for _, p := range list.Patients {
		if p.Withdrawn {
			continue
		}
		res := s.Do(t, http.MethodGet, "/api/v1/patients/"+p.ID, doctorToken, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("read patient %s: %d %s", p.ID, res.Status, res.Body)
		}
		var rec demoName
		res.JSON(t, &rec)
		if rec.CodiceFiscale != "" {
			return rec
		}
	}
	t.Fatal("no demo patient with a codice fiscale")
	return demoName{}
}
