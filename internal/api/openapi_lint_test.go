package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
)

// lintDoc is the served document as generic JSON, for the checks that
// walk all of it.
type lintDoc map[string]any

func (d lintDoc) obj(path ...string) map[string]any {
	var cur any = map[string]any(d)
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	m, _ := cur.(map[string]any)
	return m
}

// lintOp is one operation of the document.
type lintOp struct {
	key string // "POST /api/v1/patients"
	op  map[string]any
}

func (d lintDoc) ops() []lintOp {
	var out []lintOp
	for path, item := range d.obj("paths") {
		for method, op := range item.(map[string]any) {
			if slices.Contains(openAPIMethods, method) {
				out = append(out, lintOp{strings.ToUpper(method) + " " + path, op.(map[string]any)})
			}
		}
	}
	slices.SortFunc(out, func(a, b lintOp) int { return strings.Compare(a.key, b.key) })
	return out
}

// response is the operation's answer for code, resolving a reference
// to components.responses.
func (d lintDoc) response(o lintOp, code string) map[string]any {
	r, _ := o.op["responses"].(map[string]any)[code].(map[string]any)
	if ref, ok := r["$ref"].(string); ok {
		return d.obj("components", "responses", strings.TrimPrefix(ref, "#/components/responses/"))
	}
	return r
}

// header is the declared header of a response, resolving a reference to
// components.headers.
func (d lintDoc) header(res map[string]any, name string) map[string]any {
	h, _ := res["headers"].(map[string]any)[name].(map[string]any)
	if ref, ok := h["$ref"].(string); ok {
		return d.obj("components", "headers", strings.TrimPrefix(ref, "#/components/headers/"))
	}
	return h
}

func serveDocument(t *testing.T) ([]byte, lintDoc) {
	t.Helper()
	s := apptest.Start(t, apptest.Options{})
	res := s.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET openapi.json: %d", res.Status)
	}
	var d lintDoc
	res.JSON(t, &d)
	return res.Body, d
}

// The findings of OpenAPI linters, each a check over the whole document:
// a generated client must find every answer it can get declared.
func TestOpenAPIDocumentPassesTheLinters(t *testing.T) {
	t.Parallel()
	raw, d := serveDocument(t)
	ops := d.ops()

	t.Run("a third-party validator accepts the document", func(t *testing.T) {
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Error(err)
		}
	})

	t.Run("servers are declared", func(t *testing.T) {
		servers, _ := d["servers"].([]any)
		if len(servers) == 0 {
			t.Fatal("no servers")
		}
		for _, s := range servers {
			if u, _ := s.(map[string]any)["url"].(string); u == "" {
				t.Errorf("server %v has no url", s)
			}
		}
	})

	t.Run("every operation's tags are declared at the top with a description", func(t *testing.T) {
		declared := map[string]bool{}
		for _, tag := range d["tags"].([]any) {
			tag := tag.(map[string]any)
			if desc, _ := tag["description"].(string); desc == "" {
				t.Errorf("tag %v has no description", tag["name"])
			}
			declared[tag["name"].(string)] = true
		}
		for _, o := range ops {
			tags, _ := o.op["tags"].([]any)
			if len(tags) == 0 {
				t.Errorf("%s has no tag", o.key)
			}
			for _, tag := range tags {
				if !declared[tag.(string)] {
					t.Errorf("%s has tag %q, not declared at the top", o.key, tag)
				}
			}
		}
	})

	t.Run("every parameter is described", func(t *testing.T) {
		for _, o := range ops {
			params, _ := o.op["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if desc, _ := p["description"].(string); desc == "" {
					t.Errorf("%s: %s parameter %q has no description", o.key, p["in"], p["name"])
				}
			}
		}
	})

	t.Run("login is public (security: []), everything else needs a token", func(t *testing.T) {
		if sec, _ := d["security"].([]any); len(sec) == 0 {
			t.Error("no top-level security")
		}
		for _, o := range ops {
			sec, present := o.op["security"].([]any)
			public := o.key == "POST /api/v1/auth/token"
			switch {
			case public && (!present || len(sec) != 0):
				t.Errorf("%s: security %v, want []", o.key, o.op["security"])
			case !public && len(sec) == 0:
				t.Errorf("%s needs no security", o.key)
			}
		}
	})

	t.Run("every operation declares the refusals any request can get, and a body's", func(t *testing.T) {
		for _, o := range ops {
			want := []string{"400", "413", "431", "500", "503"}
			if o.op["requestBody"] != nil {
				want = append(want, "408", "415")
			}
			for _, code := range want {
				res := d.response(o, code)
				if res == nil {
					t.Errorf("%s does not declare %s", o.key, code)
					continue
				}
				if _, ok := res["content"].(map[string]any)["application/problem+json"]; !ok {
					t.Errorf("%s declares %s without application/problem+json", o.key, code)
				}
			}
		}
	})

	t.Run("every 201 declares a required Location", func(t *testing.T) {
		created := 0
		for _, o := range ops {
			if res := d.response(o, "201"); res != nil {
				created++
				if h := d.header(res, "Location"); h == nil || h["required"] != true {
					t.Errorf("%s: 201 Location header %v, want required", o.key, h)
				}
			}
		}
		if created == 0 {
			t.Error("no operation answers 201")
		}
	})

	t.Run("every 429 declares a required Retry-After, every 503 one", func(t *testing.T) {
		for _, o := range ops {
			if res := d.response(o, "429"); res != nil {
				if h := d.header(res, "Retry-After"); h == nil || h["required"] != true {
					t.Errorf("%s: 429 Retry-After %v, want required", o.key, h)
				}
			}
			if res := d.response(o, "503"); res != nil && d.header(res, "Retry-After") == nil {
				t.Errorf("%s: 503 does not declare Retry-After", o.key)
			}
		}
	})

	t.Run("every status member of a schema is an enumeration", func(t *testing.T) {
		want := make([]any, len(domain.InstallationStatuses))
		for i, s := range domain.InstallationStatuses {
			want[i] = string(s)
		}
		seen := 0
		for name, schema := range d.obj("components", "schemas") {
			props, _ := schema.(map[string]any)["properties"].(map[string]any)
			status, _ := props["status"].(map[string]any)
			if status == nil || status["type"] != "string" {
				continue // ErrorModel's and the audit entry's status are HTTP status codes
			}
			seen++
			if enum, _ := status["enum"].([]any); !slices.Equal(enum, want) {
				t.Errorf("%s.status enum %v, want %v", name, enum, want)
			}
		}
		if seen == 0 {
			t.Error("no schema has a status string")
		}
	})

	t.Run("every diagnosis_class, in answers and requests, is an enumeration", func(t *testing.T) {
		inRequests := make([]any, len(domain.DiagnosisClasses))
		for i, c := range domain.DiagnosisClasses {
			inRequests[i] = string(c)
		}
		inAnswers := append(slices.Clone(inRequests), "") // a withdrawn patient's erased class
		seen := map[string]bool{}
		for name, schema := range d.obj("components", "schemas") {
			props, _ := schema.(map[string]any)["properties"].(map[string]any)
			if class, _ := props["diagnosis_class"].(map[string]any); class != nil {
				seen[name] = true
				want := inAnswers
				if strings.Contains(name, "Input") {
					want = inRequests
				}
				if enum, _ := class["enum"].([]any); !slices.Equal(enum, want) {
					t.Errorf("%s.diagnosis_class enum %v, want %v", name, enum, want)
				}
			}
		}
		for _, name := range []string{"PatientRecord", "PatientSummary", "Screening"} {
			if !seen[name] {
				t.Errorf("%s has no diagnosis_class", name)
			}
		}
	})

	t.Run("problem type and instance are URI references", func(t *testing.T) {
		props := d.obj("components", "schemas", "ErrorModel", "properties")
		for _, member := range []string{"type", "instance"} {
			if f := props[member].(map[string]any)["format"]; f != "uri-reference" {
				t.Errorf("ErrorModel.%s format %v, want uri-reference (RFC 9457 §3.1)", member, f)
			}
		}
	})

	t.Run("a download declares the file's media types and its headers", func(t *testing.T) {
		res := d.response(lintOp{op: d.obj("paths", "/api/v1/documents/{document}", "get")}, "200")
		content, _ := res["content"].(map[string]any)
		if got := keysOf(content); !slices.Equal(got, slices.Sorted(slices.Values(domain.DocumentMediaTypes))) {
			t.Errorf("download declares %v, want exactly %v (no wildcard)", got, domain.DocumentMediaTypes)
		}
		if h := d.header(res, "Content-Disposition"); h == nil || h["required"] != true {
			t.Errorf("download Content-Disposition %v, want required", h)
		}
		if d.header(res, "Content-Security-Policy") == nil {
			t.Error("download does not declare Content-Security-Policy")
		}
	})

	t.Run("login accepts only a form", func(t *testing.T) {
		content := d.obj("paths", "/api/v1/auth/token", "post", "requestBody", "content")
		if len(content) != 1 || content["application/x-www-form-urlencoded"] == nil {
			t.Errorf("login body media types %v, want only application/x-www-form-urlencoded", keysOf(content))
		}
	})
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
