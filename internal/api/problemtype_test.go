package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"serenade/internal/testsupport/apptest"
)

// The API's problem types and its "characters" wording of length limits
// are its own configuration: building a server leaves huma's
// process-wide hooks and messages as huma ships them, and the server's
// answers still carry Serenade's problem types and wording.
func TestProblemDetailsChangeNothingProcessWide(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	if m, ok := huma.NewError(http.StatusNotFound, "x").(*huma.ErrorModel); !ok || m.Type != "" {
		t.Errorf("huma.NewError was replaced: %#v", huma.NewError(http.StatusNotFound, "x"))
	}
	if validation.MsgExpectedMaxLength != "expected length <= %d" || validation.MsgExpectedMinLength != "expected length >= %d" {
		t.Errorf("huma's length messages were changed: %q, %q", validation.MsgExpectedMinLength, validation.MsgExpectedMaxLength)
	}
	tok := s.Login(t, "dottore-alice", "alice")
	res := s.Do(t, http.MethodPost, "/api/v1/patients", tok, withField(enrolmentBody(), "first_name", strings.Repeat("a", 101)))
	p := checkProblem(t, res, http.StatusUnprocessableEntity)
	if p.Type != problemTypePrefix+"invalid" || p.Title != "Unprocessable Entity" {
		t.Errorf("problem type %q title %q, want …invalid, Unprocessable Entity", p.Type, p.Title)
	}
	if !strings.Contains(string(res.Body), "characters") || strings.Contains(string(res.Body), "expected length") {
		t.Errorf("a length limit not said in characters: %s", res.Body)
	}
	res = s.Do(t, http.MethodGet, "/api/v1/patients/999999", tok, nil)
	if p := checkProblem(t, res, http.StatusNotFound); p.Type != problemTypePrefix+"not-found" || p.Title != "Not Found" {
		t.Errorf("problem type %q title %q, want …not-found, Not Found", p.Type, p.Title)
	}
}
