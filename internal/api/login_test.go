package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/password"
	"serenade/internal/service"
	"serenade/internal/testsupport/apptest"
)

const tokenEndpoint = "/api/v1/auth/token"

// postTokenForm posts a password-grant form to the token endpoint.
func postTokenForm(t testing.TB, s *apptest.Server, username, pw string) apptest.Response {
	t.Helper()
	return s.Do(t, http.MethodPost, tokenEndpoint, "", url.Values{"grant_type": {"password"}, "username": {username}, "password": {pw}})
}

// addLocalAccount adds a local account straight to the store.
func addLocalAccount(t testing.TB, s *apptest.Server, username, pw string, isDemo bool, roles ...domain.Role) {
	t.Helper()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := service.NewAccounts(s.App.Store()).CreateAccount(context.Background(), domain.Account{Username: username, Roles: roles, PasswordHash: hash, Demo: isDemo}); err != nil {
		t.Fatal(err)
	}
}

// whoAmI calls GET /api/v1/me with token.
func whoAmI(t testing.TB, s *apptest.Server, token string) (username string, roles []string) {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/me", token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /me: %d %s", res.Status, res.Body)
	}
	var body struct {
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	res.JSON(t, &body)
	return body.Username, body.Roles
}

// wantSameRefusal fails unless every response is the same 401 problem as
// the first: status and body byte for byte, so that nothing tells a wrong
// password from an account that does not exist or may not log in.
func wantSameRefusal(t *testing.T, responses map[string]apptest.Response, reference string) {
	t.Helper()
	ref := responses[reference]
	checkProblem(t, ref, http.StatusUnauthorized)
	for name, res := range responses {
		if res.Status != ref.Status || !bytes.Equal(res.Body, ref.Body) {
			t.Errorf("%s: %d %s\ndiffers from %s: %d %s", name, res.Status, res.Body, reference, ref.Status, ref.Body)
		}
		if strings.Contains(strings.ToLower(string(res.Body)), "disabled") || strings.Contains(strings.ToLower(string(res.Body)), "demo") {
			t.Errorf("%s: the refusal says why: %s", name, res.Body)
		}
	}
}

func TestLocalLogin(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})

	t.Run("a correct password gets a short-lived bearer token that is not cached and works on /me", func(t *testing.T) {
		res := postTokenForm(t, s, demo.Doctor, "alice")
		if res.Status != http.StatusOK {
			t.Fatalf("login: %d %s", res.Status, res.Body)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		res.JSON(t, &tok)
		if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") || tok.ExpiresIn <= 0 {
			t.Fatalf("token response %s: want an access token of type bearer with expires_in > 0", res.Body)
		}
		if tok.ExpiresIn > 24*60*60 {
			t.Errorf("expires_in %d: a day or more is not short-lived", tok.ExpiresIn)
		}
		if user, roles := whoAmI(t, s, tok.AccessToken); user != demo.Doctor || !slices.Equal(roles, []string{"dottore"}) {
			t.Errorf("/me = %s %v, want %s [dottore]", user, roles, demo.Doctor)
		}
	})

	t.Run("a wrong password, an unknown username and a disabled account get the same answer", func(t *testing.T) {
		addLocalAccount(t, s, "dottore-rita", "rita-secret", false, domain.RoleDoctor)
		s.Login(t, "dottore-rita", "rita-secret") // works before it is disabled
		if err := s.App.Store().DisableAccount(context.Background(), "dottore-rita"); err != nil {
			t.Fatal(err)
		}
		wantSameRefusal(t, map[string]apptest.Response{
			"wrong password":   postTokenForm(t, s, demo.Doctor, "not-alice"),
			"unknown username": postTokenForm(t, s, "dottore-nessuno", "alice"),
			"disabled account": postTokenForm(t, s, "dottore-rita", "rita-secret"),
			"unknown username with another account's password": postTokenForm(t, s, "nessuno", "gennaro"),
		}, "wrong password")
	})
}

func TestDemoAccountsCannotLogInOutsideDemoMode(t *testing.T) {
	t.Run("a demo account in the store of a server not in demo mode is refused like a wrong password, a normal one works", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{})
		addLocalAccount(t, s, "dottore-demo", "demo-secret", true, domain.RoleDoctor)
		addLocalAccount(t, s, "dottore-vera", "vera-secret", false, domain.RoleDoctor)
		wantSameRefusal(t, map[string]apptest.Response{
			"wrong password": postTokenForm(t, s, "dottore-vera", "not-vera"),
			"demo account":   postTokenForm(t, s, "dottore-demo", "demo-secret"),
		}, "wrong password")
		if user, _ := whoAmI(t, s, s.Login(t, "dottore-vera", "vera-secret")); user != "dottore-vera" {
			t.Errorf("/me names %q, want dottore-vera", user)
		}
	})

	t.Run("the seeded demo accounts are refused once the server restarts without demo mode", func(t *testing.T) {
		dir := t.TempDir()
		inDir := func(c *app.Config) { c.DataDir = dir }
		t.Run("seed in demo mode", func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Edit: inDir})
			s.Login(t, demo.Doctor, "alice")
		})
		s := apptest.Start(t, apptest.Options{Edit: inDir})
		responses := map[string]apptest.Response{"unknown username": postTokenForm(t, s, "dottore-nessuno", "alice")}
		for _, a := range demo.Accounts {
			responses[a.Username] = postTokenForm(t, s, a.Username, a.Password)
		}
		wantSameRefusal(t, responses, "unknown username")
	})
}

func TestTokenRequestValidation(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	tests := []struct {
		name     string
		form     url.Values
		location string // the error the problem must list
	}{
		{"a client_credentials grant is refused naming grant_type",
			url.Values{"grant_type": {"client_credentials"}, "username": {demo.Doctor}, "password": {"alice"}}, "body.grant_type"},
		{"an authorization_code grant is refused naming grant_type",
			url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}}, "body.grant_type"},
		{"a missing grant_type is refused naming grant_type",
			url.Values{"username": {demo.Doctor}, "password": {"alice"}}, "body.grant_type"},
		{"a missing username is refused", url.Values{"grant_type": {"password"}, "password": {"alice"}}, "body.username"},
		{"a blank username is refused", url.Values{"grant_type": {"password"}, "username": {"   "}, "password": {"alice"}}, "body.username"},
		{"a missing password is refused", url.Values{"grant_type": {"password"}, "username": {demo.Doctor}}, "body.username"},
		{"a form with none of the fields is refused naming grant_type", url.Values{"scope": {"openid"}}, "body.grant_type"},
		{"a username over 100 characters is refused",
			url.Values{"grant_type": {"password"}, "username": {strings.Repeat("u", 101)}, "password": {"alice"}}, "body.username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := checkProblem(t, s.Do(t, http.MethodPost, tokenEndpoint, "", tt.form), http.StatusUnprocessableEntity)
			if !p.hasErrorAt(tt.location) {
				t.Errorf("errors %+v do not name %s", p.Errors, tt.location)
			}
		})
	}

	t.Run("an empty body is a bad request", func(t *testing.T) {
		checkProblem(t, s.Do(t, http.MethodPost, tokenEndpoint, "", url.Values{}), http.StatusBadRequest)
	})

	t.Run("a body that is not a form is refused", func(t *testing.T) {
		res := s.Do(t, http.MethodPost, tokenEndpoint, "", []byte(`{"grant_type":"password","username":"dottore-alice","password":"alice"}`))
		if res.Status < 400 || res.Status >= 500 {
			t.Fatalf("status %d, want a 4xx: %s", res.Status, res.Body)
		}
		checkProblem(t, res, res.Status)
	})
}
