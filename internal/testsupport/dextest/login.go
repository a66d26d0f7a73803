package dextest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// DefaultScopes are the scopes a login asks for: "groups" is what makes
// Dex put the user's groups in the token, "profile" the username.
var DefaultScopes = []string{"openid", "profile", "email", "groups"}

// Tokens is Dex's token endpoint response. Dex's access token is a JWT
// signed with RS256 carrying the same claims as the ID token.
type Tokens struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// AccessToken logs the user in with the Serenade client and the default
// scopes and returns the access token, failing the test on any error.
// The user may be given by username or by email.
func (d *Dex) AccessToken(t testing.TB, user, password string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := Client{ID: d.ClientID, Secret: d.ClientSecret}
	tok, err := d.PasswordGrant(ctx, client, user, password, DefaultScopes...)
	if err != nil {
		t.Fatalf("logging %s in through Dex: %v", user, err)
	}
	return tok.AccessToken
}

// PasswordGrant performs the OAuth2 resource-owner password grant over
// HTTP against Dex's token endpoint, as client, with the given scopes.
func (d *Dex) PasswordGrant(ctx context.Context, client Client, user, password string, scopes ...string) (Tokens, error) {
	form := url.Values{
		"grant_type": {"password"},
		"username":   {d.login(user)},
		"password":   {password},
		"scope":      {strings.Join(scopes, " ")},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return Tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client.ID), url.QueryEscape(client.Secret))
	return doTokenRequest(req)
}

func doTokenRequest(req *http.Request) (Tokens, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Tokens{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Tokens{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Tokens{}, fmt.Errorf("token endpoint: %s: %s", resp.Status, body)
	}
	var tok Tokens
	if err := json.Unmarshal(body, &tok); err != nil {
		return Tokens{}, fmt.Errorf("token endpoint: decoding response: %w", err)
	}
	return tok, nil
}

// login maps a demo username to the email Dex's password database expects;
// anything else is passed through unchanged.
func (d *Dex) login(user string) string {
	for _, u := range d.Users {
		if u.Username == user {
			return u.Email()
		}
	}
	return user
}
