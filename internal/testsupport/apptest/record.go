package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"serenade/internal/testsupport/conformance"
)

// The exchanges a package's tests make through Do and Send are checked
// against the OpenAPI document the server serves when the package's
// TestMain started a conformance.Log (see internal/testsupport/conformance).

// apiPrefix is where the API's operations live.
const apiPrefix = "/api/v1"

// maxRecordedBody is the most of a request body kept for the check; a
// larger body's request is not validated (its answer still is). It is
// small because tests that send huge bodies measure what the process
// allocates, recorder included.
const maxRecordedBody = 128 << 10

// recording is one request on its way: its body as far as it was read.
type recording struct {
	log  *conformance.Log
	req  *http.Request
	body *capture
}

// record starts recording req when a conformance.Log is active (nil
// otherwise), wrapping its body so that what the client sends is kept.
func record(req *http.Request) *recording {
	log := conformance.Active()
	if log == nil {
		return nil
	}
	r := &recording{log: log, req: req.Clone(context.Background())}
	if req.Body != nil && req.Body != http.NoBody {
		r.body = &capture{rc: req.Body, length: req.ContentLength, over: req.ContentLength > maxRecordedBody}
		req.Body = r.body
	}
	return r
}

// check validates the exchange against s's document and adds the result
// to the log.
func (r *recording) check(t testing.TB, s *Server, res Response) {
	if r == nil {
		return
	}
	ex := conformance.Exchange{Request: r.req, Complete: true, Status: res.Status, Header: res.Header, Body: res.Body}
	if r.body != nil {
		ex.RequestBody, ex.Complete = r.body.bytes()
	}
	c, err := s.checker(r.log)
	if err != nil {
		r.log.Add(t.Name(), ex, conformance.Result{Route: r.req.URL.Path, Err: err})
		return
	}
	if !c.Covers(r.req.URL.Path) {
		return
	}
	r.log.Add(t.Name(), ex, c.Check(context.Background(), ex))
}

// checker is the checker of the document s serves, read once from the
// running API rather than fetched, so that the check adds no request to
// the server's metrics or audit trail.
func (s *Server) checker(log *conformance.Log) (*conformance.Checker, error) {
	s.docOnce.Do(func() {
		if s.doc, s.docErr = json.Marshal(s.App.API().OpenAPI()); s.docErr != nil {
			s.docErr = fmt.Errorf("the OpenAPI document: %w", s.docErr)
		}
	})
	if s.docErr != nil {
		return nil, s.docErr
	}
	return log.Checker(s.doc, apiPrefix, apiPrefix+"/openapi")
}

// capture is a request body that keeps what the transport reads of it,
// up to maxRecordedBody.
type capture struct {
	rc     io.ReadCloser
	length int64 // the request's ContentLength (-1: unknown)

	mu   sync.Mutex
	buf  bytes.Buffer
	eof  bool
	over bool
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.over:
	case c.buf.Len()+n > maxRecordedBody:
		c.over = true
		c.buf = bytes.Buffer{}
	default:
		c.buf.Write(p[:n])
	}
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

func (c *capture) Close() error { return c.rc.Close() }

// bytes is what was read, and whether it is the whole body.
func (c *capture) bytes() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	whole := !c.over && (c.eof || (c.length >= 0 && int64(c.buf.Len()) == c.length))
	return bytes.Clone(c.buf.Bytes()), whole
}
