package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"serenade/internal/api"
)

// Problem is an API error (RFC 9457 problem+json) as a page sees it: a
// 422's Errors name the fields (Location "body.contacts[0].phone", …) so
// that the form shows each message next to its input.
type Problem struct {
	Status int            `json:"status"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Errors []ProblemField `json:"errors"`
}

// ProblemField is one invalid input of a 422.
type ProblemField struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("API %d: %s", p.Status, p.Detail) }

// Field returns the message for an input, by the API's location
// without its "body." prefix ("name", "contacts[0].phone"), or "".
func (p *Problem) Field(name string) string {
	if p == nil {
		return ""
	}
	for _, e := range p.Errors {
		if strings.TrimPrefix(e.Location, "body.") == name {
			return e.Message
		}
	}
	return ""
}

// Client calls the REST API in process for one page request: the API
// request carries the page request's context (its session principal,
// request and trace ids) and client address, so the API authorises and
// audits it as it would the same call over HTTP.
type Client struct {
	api   http.Handler
	page  *http.Request
	token string // a bearer token instead of the session (login only)
}

func (s *Server) client(r *http.Request) *Client { return &Client{api: s.deps.API, page: r} }

// Get reads path (under /api/v1, with its query) into out.
func (c *Client) Get(path string, query url.Values, out any) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return c.Do(http.MethodGet, path, nil, out)
}

// Do sends a JSON body (nil: none) and decodes a 2xx answer into out
// (nil: ignored). A non-2xx answer is a *Problem.
func (c *Client) Do(method, path string, body, out any) error {
	_, err := c.DoLocation(method, path, body, out)
	return err
}

// DoLocation is Do that also returns the answer's Location (a create's
// 201 names the new resource).
func (c *Client) DoLocation(method, path string, body, out any) (string, error) {
	rec, err := c.send(method, path, body)
	if err != nil {
		return "", err
	}
	return rec.Header().Get("Location"), decodeAnswer(rec, out)
}

// forwarded are the page request's headers the API call keeps: the
// client address behind a trusted proxy, for the audit and throttle.
var forwarded = []string{"X-Forwarded-For", "Forwarded", "X-Forwarded-Proto"}

// send serves one API request and records its answer.
func (c *Client) send(method, path string, body any) (*httptest.ResponseRecorder, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequestWithContext(c.page.Context(), method, api.Prefix+path, rd)
	c.prepare(req)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	return rec, nil
}

// prepare gives an API request the page request's client address (and
// a trusted proxy's forwarding headers), and the bearer token if any.
func (c *Client) prepare(req *http.Request) {
	req.RemoteAddr, req.Host = c.page.RemoteAddr, c.page.Host
	for _, h := range forwarded {
		if v := c.page.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
}

// decodeAnswer turns a recorded API answer into out or a *Problem.
func decodeAnswer(rec *httptest.ResponseRecorder, out any) error {
	if rec.Code >= 300 {
		p := &Problem{Status: rec.Code}
		_ = json.Unmarshal(rec.Body.Bytes(), p)
		p.Status = rec.Code
		return p
	}
	if out == nil || rec.Code == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		return fmt.Errorf("decode API answer: %w", err)
	}
	return nil
}

// bearer returns a client whose calls carry a bearer token instead of
// the session (the login's own GET /me).
func (c *Client) bearer(token string) *Client {
	return &Client{api: c.api, page: c.page, token: token}
}

// form posts a urlencoded form (the token endpoint) and decodes the
// answer into out.
func (c *Client) form(path string, form url.Values, out any) error {
	req := httptest.NewRequestWithContext(c.page.Context(), http.MethodPost, api.Prefix+path, strings.NewReader(form.Encode()))
	c.prepare(req)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	return decodeAnswer(rec, out)
}
