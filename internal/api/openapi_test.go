package api_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"serenade/internal/api"
	"serenade/internal/testsupport/apptest"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
	Comps   struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
			Flows  struct {
				Password *struct {
					TokenURL string `json:"tokenUrl"`
				} `json:"password"`
			} `json:"flows"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                `json:"operationId"`
	Security    []map[string][]string `json:"security"`
	RequestBody *struct {
		Content map[string]struct {
			Schema struct {
				Properties map[string]struct {
					Type   string `json:"type"`
					Format string `json:"format"`
				} `json:"properties"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"responses"`
}

var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// operations returns the document's operations keyed by "METHOD path".
func (d openAPIDoc) operations(t *testing.T) map[string]openAPIOperation {
	t.Helper()
	ops := map[string]openAPIOperation{}
	for path, item := range d.Paths {
		for method, raw := range item {
			if !slices.Contains(openAPIMethods, method) {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{})
	res := s.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET openapi.json without a token: %d %s", res.Status, res.Body)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); !strings.HasSuffix(mt, "json") {
		t.Errorf("Content-Type %q is not JSON", res.Header.Get("Content-Type"))
	}
	var doc openAPIDoc
	res.JSON(t, &doc)
	ops := doc.operations(t)
	// The ingest route is served outside the user API (it takes an ingest
	// token, never a user's): it is checked on its own.
	ingestOp, hasIngest := ops["POST "+api.IngestPath]
	delete(ops, "POST "+api.IngestPath)

	t.Run("the ingest route is documented with its token scheme, bodies and refusals", func(t *testing.T) {
		if !hasIngest || ingestOp.OperationID != "ingest-readings" {
			t.Fatalf("POST %s is not ingest-readings: %+v", api.IngestPath, ingestOp)
		}
		if len(ingestOp.Security) != 1 || !hasKey(ingestOp.Security[0], "ingestToken") {
			t.Errorf("ingest security %v, want the ingestToken scheme only", ingestOp.Security)
		}
		if sch, ok := doc.Comps.SecuritySchemes["ingestToken"]; !ok || sch.Type != "http" {
			t.Errorf("ingestToken scheme %+v", sch)
		}
		for _, status := range []string{"200", "400", "401", "409", "413", "415", "422", "503"} {
			if _, ok := ingestOp.Responses[status]; !ok {
				t.Errorf("ingest does not document %s", status)
			}
		}
		if ingestOp.RequestBody == nil {
			t.Fatal("ingest documents no request body")
		}
		for _, mt := range []string{"application/json", "application/x-ndjson"} {
			if _, ok := ingestOp.RequestBody.Content[mt]; !ok {
				t.Errorf("ingest body does not document %s", mt)
			}
		}
	})

	t.Run("the document is OpenAPI 3.1", func(t *testing.T) {
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
	})

	t.Run("every route of the API is documented under its operation id", func(t *testing.T) {
		routes := s.App.API().Routes()
		if len(routes) == 0 {
			t.Fatal("the API lists no routes")
		}
		for _, r := range routes {
			op, ok := ops[r.Method+" "+r.Path]
			if !ok {
				t.Errorf("%s %s (%s) is not in the document", r.Method, r.Path, r.OperationID)
				continue
			}
			if op.OperationID != r.OperationID {
				t.Errorf("%s %s has operation id %q, want %q", r.Method, r.Path, op.OperationID, r.OperationID)
			}
		}
		if len(ops) != len(routes) {
			t.Errorf("the document has %d operations, the API %d routes", len(ops), len(routes))
		}
	})

	t.Run("every operation but login documents 401 and 403 as problem details and requires a token", func(t *testing.T) {
		for key, op := range ops {
			if op.OperationID == "create-token" {
				continue
			}
			for _, status := range []string{"401", "403"} {
				r, ok := op.Responses[status]
				if !ok {
					t.Errorf("%s (%s) does not document %s", key, op.OperationID, status)
					continue
				}
				if _, ok := r.Content["application/problem+json"]; !ok {
					t.Errorf("%s documents %s without application/problem+json", key, status)
				}
			}
			if len(op.Security) == 0 {
				t.Errorf("%s (%s) requires no security", key, op.OperationID)
			}
		}
	})

	t.Run("login is public and documents its refusals", func(t *testing.T) {
		op, ok := ops["POST /api/v1/auth/token"]
		if !ok || op.OperationID != "create-token" {
			t.Fatalf("POST /api/v1/auth/token is not create-token: %+v", op)
		}
		if len(op.Security) != 0 {
			t.Errorf("login requires security %v", op.Security)
		}
		for _, status := range []string{"200", "401", "422", "429"} {
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("login does not document %s", status)
			}
		}
		if op.RequestBody == nil {
			t.Fatal("login documents no request body")
		}
		form, ok := op.RequestBody.Content["application/x-www-form-urlencoded"]
		if !ok {
			t.Fatalf("login body is not a form: %+v", op.RequestBody.Content)
		}
		for _, field := range []string{"grant_type", "username", "password"} {
			if _, ok := form.Schema.Properties[field]; !ok {
				t.Errorf("login form does not document %s", field)
			}
		}
	})

	t.Run("the upload documents a multipart body with a binary file field", func(t *testing.T) {
		op := ops["POST /api/v1/installations/{installation}/documents"]
		if op.RequestBody == nil {
			t.Fatal("upload documents no request body")
		}
		file := op.RequestBody.Content["multipart/form-data"].Schema.Properties["file"]
		if file.Type != "string" || file.Format != "binary" {
			t.Errorf("file field is %+v, want a binary string", file)
		}
	})

	t.Run("the oauth2 scheme is a password flow at the token endpoint, next to plain bearer", func(t *testing.T) {
		o, ok := doc.Comps.SecuritySchemes["oauth2"]
		if !ok || o.Type != "oauth2" || o.Flows.Password == nil {
			t.Fatalf("oauth2 scheme %+v, want an oauth2 password flow", o)
		}
		if o.Flows.Password.TokenURL != "/api/v1/auth/token" {
			t.Errorf("tokenUrl %q, want /api/v1/auth/token", o.Flows.Password.TokenURL)
		}
		if b := doc.Comps.SecuritySchemes["bearer"]; b.Type != "http" || b.Scheme != "bearer" {
			t.Errorf("bearer scheme %+v, want http bearer", b)
		}
	})
}

func TestInteractiveDocs(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{})
	res := s.Do(t, http.MethodGet, "/docs", "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /docs: %d %.300s", res.Status, res.Body)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
		t.Errorf("Content-Type %q, want text/html", res.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(res.Body), "/api/v1/openapi.json") {
		t.Errorf("the docs page does not load /api/v1/openapi.json")
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
