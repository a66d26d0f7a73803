package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// A refusal names the field and says what is wrong, but never sends back
// what was refused: huma's error value was the whole object for an
// unknown property, codice fiscale included, and the value itself for a
// field or a parameter of the wrong shape.
func TestRefusalsEchoNoValue(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	const cf, secret = "MRNGNN48D03L219H", "famigliarossimario"
	cases := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"an unknown property", http.MethodPost, "/api/v1/patients",
			withField(withField(enrolmentBody(), "nota", "x"), "codice_fiscale", cf), http.StatusUnprocessableEntity},
		{"a known property in another case", http.MethodPost, "/api/v1/patients",
			withField(withoutField(enrolmentBody(), "codice_fiscale"), "Codice_Fiscale", cf), http.StatusUnprocessableEntity},
		{"a key twice under two casings", http.MethodPost, "/api/v1/patients",
			withField(withField(enrolmentBody(), "Codice_Fiscale", cf), "first_name", secret), http.StatusBadRequest},
		{"a field of the wrong type", http.MethodPost, "/api/v1/patients", withField(enrolmentBody(), "date_join", cf), http.StatusUnprocessableEntity},
		{"a value outside an enum", http.MethodPost, "/api/v1/patients", withField(enrolmentBody(), "diagnosis_class", cf), http.StatusUnprocessableEntity},
		{"an e-mail address whose domain has no dot", http.MethodPost, "/api/v1/patients",
			withField(enrolmentBody(), "contacts", []map[string]string{{"alias": "figlio", "email": "luca@" + secret}}), http.StatusUnprocessableEntity},
		{"a codice fiscale as a path parameter", http.MethodGet, "/api/v1/patients/" + cf, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.Do(t, c.method, c.path, doctor, c.body)
			if c.status != 0 {
				checkProblem(t, res, c.status)
			} else if res.Status < 400 {
				t.Fatalf("status %d, want a refusal", res.Status)
			}
			for _, leak := range []string{cf, secret, "Brambilla", "+39 340"} {
				if bytes.Contains(res.Body, []byte(leak)) {
					t.Errorf("the %d refusal echoes %q: %s", res.Status, leak, res.Body)
				}
			}
		})
	}
}

func withoutField(body map[string]any, key string) map[string]any {
	delete(body, key)
	return body
}
