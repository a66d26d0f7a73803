// Package conformance checks HTTP exchanges with Serenade's API against
// the OpenAPI document the server itself serves, with a third-party
// validator (kin-openapi's openapi3filter, JSON Schema 2020-12 for the
// OpenAPI 3.1 document), so that a generated client can trust the
// document: every status, media type, header and body member an answer
// has must be declared for its operation.
//
// apptest records every exchange its servers answer while a Log is
// active (Start, from a package's TestMain); the Log fails the package
// listing each undeclared answer with its test, method, route and status.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// transportHeaders are the answer headers that belong to HTTP's framing,
// not to an operation: OpenAPI describes Content-Type by an answer's
// content, and the others are never declared per operation.
var transportHeaders = []string{"Content-Type", "Content-Length", "Date", "Connection", "Transfer-Encoding"}

// unmatchedHeaders are what an answer to a path or method the document
// has no operation for may carry, besides transportHeaders: the headers
// every answer carries (components.headers) and Allow on a 405.
var unmatchedHeaders = []string{"Allow", "Cache-Control", "X-Content-Type-Options", "X-Request-Id"}

// Exchange is one request the tests sent and the answer they got.
type Exchange struct {
	Request *http.Request // URL, method and headers as sent
	// RequestBody is the body as sent, when Complete; a body that was
	// not read to its end (an answer before the upload ended, or one
	// larger than the recorder keeps) is not validated.
	RequestBody []byte
	Complete    bool
	Status      int
	Header      http.Header
	Body        []byte
}

// Checker validates exchanges against one OpenAPI document.
type Checker struct {
	doc      *openapi3.T
	router   routers.Router
	problem  *openapi3.SchemaRef // components.schemas.ErrorModel
	prefix   string              // the API's path prefix: other paths are not the document's
	excluded []string            // paths under prefix that are no operations (the documents themselves)
}

// Load parses and validates an OpenAPI document (as served at
// <prefix>/openapi.json) and builds its router. Paths under prefix
// starting with one of excluded are not checked.
func Load(raw []byte, prefix string, excluded ...string) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	c := &Checker{doc: doc, router: router, prefix: prefix, excluded: excluded}
	if doc.Components != nil {
		c.problem = doc.Components.Schemas["ErrorModel"]
	}
	if c.problem == nil {
		return nil, errors.New("the OpenAPI document declares no ErrorModel schema for problem details")
	}
	return c, nil
}

// Covers reports whether path is one of the API's operations' paths to
// check (under the prefix, not an excluded document).
func (c *Checker) Covers(path string) bool {
	if !strings.HasPrefix(path, c.prefix+"/") {
		return false
	}
	for _, e := range c.excluded {
		if strings.HasPrefix(path, e) {
			return false
		}
	}
	return true
}

// Result is what a check found: the route template of the operation (or
// the raw path when the document has none) and the first violation.
type Result struct {
	Route string
	Err   error
}

// Check validates ex. The answer is always validated: its status must be
// declared for the operation, its media type declared for that status,
// its body valid under that schema (with no undeclared member where the
// schema says additionalProperties: false), and every header it carries
// declared for that status (transport headers aside). The request is
// validated too; a request the document does not admit is a failure only
// when the server accepted it (a 2xx or 3xx): a test that sends a
// malformed body on purpose gets a refusal, which must itself be
// declared. An answer to a path or method the document has no operation
// for must be a 404 or 405 problem.
func (c *Checker) Check(ctx context.Context, ex Exchange) Result {
	if ex.Request.Method == http.MethodHead {
		return c.checkHead(ex)
	}
	route, params, err := c.router.FindRoute(ex.Request)
	if err != nil {
		return Result{Route: ex.Request.URL.Path, Err: c.checkUnmatched(ex, err)}
	}
	res := Result{Route: route.Path}
	opts := c.options()
	in := &openapi3filter.RequestValidationInput{Request: withBody(ex, true), PathParams: params, Route: route, Options: opts}
	if ex.Complete {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil && ex.Status < 400 {
			res.Err = fmt.Errorf("the server accepted (%d) a request the document does not admit: %w", ex.Status, err)
			return res
		}
	}
	in.Request = withBody(ex, false) // the request check read the body
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.Status, Header: ex.Header, Options: opts}
	out.SetBodyBytes(ex.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		res.Err = err
		return res
	}
	res.Err = undeclaredHeaders(route.Operation, ex)
	return res
}

// options makes the validator strict: undeclared statuses fail, and
// bodies sent to operations without one; schema errors are told short.
func (c *Checker) options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		IncludeResponseStatus:             true,
		RejectWhenRequestBodyNotSpecified: true,
		AuthenticationFunc:                bearerPresent,
	}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		at := "/" + strings.Join(err.JSONPointer(), "/")
		return fmt.Sprintf("%s (at %s)", err.Reason, at)
	})
	return o
}

// bearerPresent admits a request to an operation requiring the oauth2
// or bearer scheme when it carries a bearer token (whether the token is
// good is the server's to say: 401 is declared).
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

// withBody is ex's request with the recorded body, readable once; with
// normalized, a JSON body's strings as the document's limits see them.
func withBody(ex Exchange, normalized bool) *http.Request {
	r := ex.Request.Clone(context.Background())
	body := ex.RequestBody
	if normalized {
		body = normalizeRequest(r.Header.Get("Content-Type"), body)
	}
	// The validator reads the body more than once, through GetBody.
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.Body, _ = r.GetBody()
	r.ContentLength = int64(len(body))
	return r
}

// checkHead validates the answer to a HEAD, which the API answers for
// every GET operation as that GET without its body: its status, media
// type and headers must be the GET's. kin-openapi validates no HEAD.
func (c *Checker) checkHead(ex Exchange) Result {
	get := ex.Request.Clone(context.Background())
	get.Method = http.MethodGet
	route, _, err := c.router.FindRoute(get)
	if err != nil {
		return Result{Route: ex.Request.URL.Path, Err: c.checkUnmatched(ex, err)}
	}
	res := Result{Route: route.Path}
	ref := route.Operation.Responses.Status(ex.Status)
	switch {
	case ref == nil || ref.Value == nil:
		res.Err = fmt.Errorf("status %d is not declared for GET %s", ex.Status, route.Path)
	case len(ref.Value.Content) > 0 && ref.Value.Content.Get(ex.Header.Get("Content-Type")) == nil:
		res.Err = fmt.Errorf("media type %q is not declared for status %d of GET %s", ex.Header.Get("Content-Type"), ex.Status, route.Path)
	default:
		res.Err = undeclaredHeaders(route.Operation, ex)
	}
	return res
}

// anyPath are the refusals the API makes before it routes a request, so
// on any path: two Authorization headers (400), a declared body over the
// limit (413), oversized headers (431); and 503 when the audit entry of
// the answer cannot be written (fail closed).
var anyPath = []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge, http.StatusServiceUnavailable}

// checkUnmatched validates the answer to a request for which the
// document has no operation: a problem (components.schemas.ErrorModel),
// 404 for an unknown path, 405 with Allow for a known path's other
// method, or one of the answers any path can get (anyPath).
func (c *Checker) checkUnmatched(ex Exchange, routeErr error) error {
	want := http.StatusNotFound
	if errors.Is(routeErr, routers.ErrMethodNotAllowed) {
		want = http.StatusMethodNotAllowed
	}
	if ex.Status != want && !slices.Contains(anyPath, ex.Status) {
		return fmt.Errorf("%v: answered %d, want a %d problem", routeErr, ex.Status, want)
	}
	if ct := ex.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("%v: answered %q, want application/problem+json", routeErr, ct)
	}
	var body any
	if err := json.Unmarshal(ex.Body, &body); err != nil {
		return fmt.Errorf("%v: the problem is not JSON: %w", routeErr, err)
	}
	if err := c.problem.Value.VisitJSON(body, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("%v: the problem does not match ErrorModel: %w", routeErr, err)
	}
	for name := range ex.Header {
		if !slices.ContainsFunc(append(transportHeaders, unmatchedHeaders...), func(h string) bool { return strings.EqualFold(h, name) }) {
			return fmt.Errorf("%v: header %q is not one every answer may carry", routeErr, name)
		}
	}
	return nil
}

// undeclaredHeaders fails on a header of the answer that the operation
// does not declare for its status (kin-openapi checks only the declared
// ones).
func undeclaredHeaders(op *openapi3.Operation, ex Exchange) error {
	ref := op.Responses.Status(ex.Status)
	if ref == nil || ref.Value == nil {
		return nil // ValidateResponse already refused the status
	}
	declared := ref.Value.Headers
	for name := range ex.Header {
		if slices.ContainsFunc(transportHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
			continue
		}
		if !hasHeader(declared, name) {
			return fmt.Errorf("response header %q is not declared for status %d", name, ex.Status)
		}
	}
	return nil
}

func hasHeader(declared openapi3.Headers, name string) bool {
	for h := range declared {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
