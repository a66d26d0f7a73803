package api_test

import (
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/api"
	"serenade/internal/domain"
)

// TestOpenAPILimitsAreTheTable walks every request of the OpenAPI
// document (parameters, and body properties at any depth): each bound it
// states is the one domain.Limits gives the name, every name of the table
// is bounded somewhere, and every table entry is stated in full.
func TestOpenAPILimitsAreTheTable(t *testing.T) {
	oapi := api.New(api.Deps{}).OpenAPI()
	used := map[string]bool{}
	check := func(where, name string, s *huma.Schema) {
		t.Helper()
		got := boundsOf(s)
		want, inTable := domain.Limits[name]
		if strings.HasSuffix(where, " path") { // one value: a count does not bound it
			want.MaxItems = 0
		}
		if !inTable {
			if got != (domain.Limit{}) {
				t.Errorf("%s: %s has bounds %+v that the table does not declare", where, name, got)
			}
			return
		}
		used[name] = true
		if got != want {
			t.Errorf("%s: %s has bounds %+v, the table says %+v", where, name, got, want)
		}
	}
	seen := map[*huma.Schema]bool{}
	var walk func(where string, s *huma.Schema)
	walk = func(where string, s *huma.Schema) {
		if s != nil && s.Ref != "" {
			s = oapi.Components.Schemas.SchemaFromRef(s.Ref)
		}
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			check(where, name, p)
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
	}
	for path, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				check(op.OperationID+" "+p.In, p.Name, p.Schema)
				if p.Name == "limit" && p.Schema.Default != domain.AuditPageDefault {
					t.Errorf("%s: limit defaults to %v, want %d", op.OperationID, p.Schema.Default, domain.AuditPageDefault)
				}
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Content {
					walk(path+" body", mt.Schema)
				}
			}
		}
	}
	for name := range domain.Limits {
		if !used[name] {
			t.Errorf("the table bounds %s, which no request has", name)
		}
	}
}

// boundsOf reads a schema's bounds back as a table entry (an array's
// count, and its items' other bounds).
func boundsOf(s *huma.Schema) domain.Limit {
	var l domain.Limit
	if s == nil {
		return l
	}
	get := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	l.MaxItems = get(s.MaxItems)
	if s.Type == huma.TypeArray && s.Items != nil { // a repeatable parameter: its items' bounds
		s = s.Items
	}
	l.MaxLength, l.MinLength = get(s.MaxLength), get(s.MinLength)
	if s.Maximum != nil {
		l.Maximum = int(*s.Maximum)
	}
	if s.Minimum != nil {
		l.Minimum, l.HasMinimum = int(*s.Minimum), true
	}
	return l
}
