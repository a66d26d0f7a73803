package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Account is a local account the workload acts as.
type Account struct{ Username, Password string }

// tokenLife is how long a session keeps its access token before it logs
// in again: well inside the server's 15-minute default, so a soak of any
// length never sends an expired token.
const tokenLife = 10 * time.Minute

// session is one logged-in account: it holds the bearer token and
// renews it by logging in again when it is older than tokenLife. Safe
// for concurrent use (the attackers' workers call Bearer at once).
type session struct {
	base    string
	account Account
	client  *http.Client

	mu     sync.Mutex
	bearer string
	at     time.Time
}

func newSession(ctx context.Context, base string, a Account) (*session, error) {
	s := &session{base: strings.TrimRight(base, "/"), account: a, client: &http.Client{Timeout: time.Minute}}
	if _, err := s.Bearer(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Bearer returns "Bearer <token>", logging in first when the token is
// missing or older than tokenLife.
func (s *session) Bearer(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bearer != "" && time.Since(s.at) < tokenLife {
		return s.bearer, nil
	}
	form := url.Values{"grant_type": {"password"}, "username": {s.account.Username}, "password": {s.account.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/api/v1/auth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.send(req, http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("logging in as %s: %w", s.account.Username, err)
	}
	s.bearer, s.at = "Bearer "+tok.AccessToken, time.Now()
	return s.bearer, nil
}

// call sends one request as the account (body marshalled to JSON when
// not nil) and decodes the answer into out when not nil; any status
// other than want is an error naming it.
func (s *session) call(ctx context.Context, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.authorised(ctx, req, want, out)
}

// authorised sends req with the account's token.
func (s *session) authorised(ctx context.Context, req *http.Request, want int, out any) error {
	bearer, err := s.Bearer(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer)
	return s.send(req, want, out)
}

func (s *session) send(req *http.Request, want int, out any) error {
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, res.StatusCode, want)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// ids lists the "id" of each object in the array at key of the answer
// to GET path (one page: the first).
func (s *session) ids(ctx context.Context, path, key string) ([]string, error) {
	var page map[string][]struct {
		ID string `json:"id"`
	}
	if err := s.call(ctx, http.MethodGet, path, nil, &page, http.StatusOK); err != nil {
		return nil, err
	}
	var out []string
	for _, o := range page[key] {
		out = append(out, o.ID)
	}
	return out, nil
}
