package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// A token form that gives a field twice is refused naming the field,
// whichever of the values would have logged in: the first one used to win.
func TestTokenFormWithARepeatedFieldIsRefused(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	forms := map[string]url.Values{
		"username, wrong first": {"grant_type": {"password"}, "username": {"nosuchuser", demo.Doctor}, "password": {"alice"}},
		"username, right first": {"grant_type": {"password"}, "username": {demo.Doctor, "nosuchuser"}, "password": {"alice"}},
		"password":              {"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"wrong", "alice"}},
		"grant_type":            {"grant_type": {"password", "password"}, "username": {demo.Doctor}, "password": {"alice"}},
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			field := strings.Split(name, ",")[0]
			p := checkProblem(t, s.Do(t, http.MethodPost, tokenEndpoint, "", form), http.StatusBadRequest)
			if len(p.Errors) != 1 || p.Errors[0].Location != "body."+field || !strings.Contains(p.Errors[0].Message, `"`+field+`" is given 2 times`) {
				t.Errorf("errors %+v, want body.%s named as given twice", p.Errors, field)
			}
		})
	}
	t.Run("each field once still logs in", func(t *testing.T) {
		if res := postTokenForm(t, s, demo.Doctor, "alice"); res.Status != http.StatusOK {
			t.Errorf("login: %d %s", res.Status, res.Body)
		}
	})
}
