package simulate

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client drives a running Serenade over its public HTTP API, as a field
// team would: it logs in as an installer or monitoring user, provisions
// an ingest token per home, and sends readings to /ingest/v1/readings as
// the homes' gateways do. Nothing reaches the database another way.
type Client struct {
	base   *url.URL
	http   *http.Client
	bearer string
}

// Target is one home to simulate: its installation as the user sees it.
type Target struct {
	Installation    string     `json:"id"`
	Status          string     `json:"status"`
	CollectionStart *time.Time `json:"collection_start"`
	CollectionEnd   *time.Time `json:"collection_end"`
}

// Login logs in with a local account (OAuth2 password grant) at base,
// e.g. http://127.0.0.1:8080.
func Login(ctx context.Context, base, username, password string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the server URL %q is not an http(s) URL", base)
	}
	c := &Client{base: u, http: &http.Client{Timeout: 2 * time.Minute}}
	form := url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/auth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil, &tok)
	if err != nil {
		return nil, fmt.Errorf("logging in as %s: %w", username, err)
	}
	c.bearer = "Bearer " + tok.AccessToken
	return c, nil
}

// Homes lists the installations collecting data now, as the user sees
// them.
func (c *Client) Homes(ctx context.Context) ([]Target, error) {
	var out struct {
		Installations []Target `json:"installations"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/installations", "", nil, nil, &out); err != nil {
		return nil, fmt.Errorf("listing installations: %w", err)
	}
	var collecting []Target
	for _, t := range out.Installations {
		if t.CollectionStart != nil && t.CollectionEnd != nil && time.Now().Before(*t.CollectionEnd) {
			collecting = append(collecting, t)
		}
	}
	return collecting, nil
}

// Provision makes a new ingest token for a home; the token is shown once.
func (c *Client) Provision(ctx context.Context, installation string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/installations/"+url.PathEscape(installation)+"/ingest-tokens", "", nil, nil, &out)
	if err != nil {
		return "", fmt.Errorf("provisioning an ingest token: %w", err)
	}
	return out.Token, nil
}

// Ack is the server's answer to one batch.
type Ack struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// maxRetries bounds how often one batch is retried after a 503.
const maxRetries = 20

// Send posts one batch as gzip NDJSON with the home's ingest token. A
// 503 (overload) is retried after its Retry-After, a bounded number of
// times: the batch is idempotent, so a retry stores nothing twice.
func (c *Client) Send(ctx context.Context, token string, batch []Reading) (Ack, error) {
	body, err := EncodeBatch(batch)
	if err != nil {
		return Ack{}, err
	}
	hdr := http.Header{"Authorization": {"Bearer " + token}, "Content-Encoding": {"gzip"}}
	var ack Ack
	for try := 0; ; try++ {
		err = c.do(ctx, http.MethodPost, "/ingest/v1/readings", "application/x-ndjson", bytes.NewReader(body), hdr, &ack)
		var busy *busyError
		if !errors.As(err, &busy) || try == maxRetries {
			return ack, err
		}
		select {
		case <-ctx.Done():
			return ack, ctx.Err()
		case <-time.After(busy.retryAfter):
		}
	}
}

// wireReading is a reading as the ingest API takes it.
type wireReading struct {
	Stream string  `json:"stream"`
	Time   int64   `json:"time"` // epoch milliseconds
	Value  float64 `json:"value"`
	Kind   Kind    `json:"kind"`
}

// EncodeBatch writes a batch as the ingest API takes it: gzip-compressed
// NDJSON, times in epoch milliseconds.
func EncodeBatch(batch []Reading) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	for _, r := range batch {
		if err := enc.Encode(wireReading{Stream: r.Stream, Time: r.Time.UnixMilli(), Value: r.Value, Kind: r.Kind}); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// busyError is a 503: the server asks to come back after retryAfter.
type busyError struct{ retryAfter time.Duration }

func (e *busyError) Error() string { return "the server is busy" }

// do sends one request and decodes a 2xx JSON answer into out; any other
// answer is an error carrying the problem's title and detail.
func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, hdr http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.bearer != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode == http.StatusServiceUnavailable {
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return &busyError{retryAfter: time.Duration(max(secs, 1)) * time.Second}
	}
	if res.StatusCode/100 != 2 {
		var p struct{ Title, Detail string }
		_ = json.Unmarshal(data, &p)
		return fmt.Errorf("%s %s: %d %s: %s", method, path, res.StatusCode, p.Title, p.Detail)
	}
	return json.Unmarshal(data, out)
}

// Gateway is a home's HTTP gateway: the client with the home's token.
func (c *Client) Gateway(token string) Gateway { return httpGateway{c, token} }

type httpGateway struct {
	c     *Client
	token string
}

func (g httpGateway) Send(ctx context.Context, batch []Reading) (Ack, error) {
	return g.c.Send(ctx, g.token, batch)
}
