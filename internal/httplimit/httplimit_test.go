package httplimit_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/httplimit"
)

// TestHeadersOverTheLimitAreProblems serves a handler behind Headers on a
// real server whose hard limit is the server's: headers just under the
// limit pass, just over it (one header or many) are a 431 problem.
func TestHeadersOverTheLimitAreProblems(t *testing.T) {
	srv := httptest.NewUnstartedServer(httplimit.Headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})))
	srv.Config.MaxHeaderBytes = httplimit.HardMaxHeaderBytes
	srv.Start()
	defer srv.Close()

	many := http.Header{}
	for i := range 100 {
		many.Set("X-Pad-"+strconv.Itoa(i), strings.Repeat("v", 400))
	}
	cases := []struct {
		name   string
		header http.Header
		status int
	}{
		{"small headers pass", http.Header{"X-Pad": {"v"}}, http.StatusOK},
		{"one header of 24 KiB passes", http.Header{"X-Pad": {strings.Repeat("v", 24<<10)}}, http.StatusOK},
		{"one header of 33 KiB is refused", http.Header{"X-Pad": {strings.Repeat("v", 33<<10)}}, http.StatusRequestHeaderFieldsTooLarge},
		{"one header of 2 MiB is refused", http.Header{"X-Pad": {strings.Repeat("v", 2<<20)}}, http.StatusRequestHeaderFieldsTooLarge},
		{"a hundred headers of 400 bytes are refused", many, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = c.header
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			if c.status == http.StatusOK {
				return
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
			}
			if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.Status != c.status || p.Type != "https://serenade.invalid/problems/headers-too-large" {
				t.Errorf("problem %+v", p)
			}
		})
	}
}

// TestHeaderBytesCountsWhatWasSent compares HeaderBytes with the size of
// a request as written on the wire.
func TestHeaderBytesCountsWhatWasSent(t *testing.T) {
	var got int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httplimit.HeaderBytes(r) }))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/a/path?q=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-One", strings.Repeat("1", 1000))
	req.Header.Add("X-Two", "2")
	req.Header.Add("X-Two", "22")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var wire strings.Builder
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sent := len(wire.String()) - 2 // the blank line ending the headers
	// The server sees what the client's transport adds (Accept-Encoding).
	if got < sent || got > sent+64 {
		t.Errorf("HeaderBytes = %d, the request's line and headers weigh %d", got, sent)
	}
}
