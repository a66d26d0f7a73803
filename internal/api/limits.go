package api

import (
	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/domain"
)

// applyLimits states the input limits of domain.Limits in the OpenAPI
// schema of every request: each parameter, and each body property (at any
// depth), named in the table gets the table's bounds. The limits are thus
// declared once; huma validates requests against these very schemas, so
// the schema refuses what the domain would, before a handler runs.
func applyLimits(oapi *huma.OpenAPI) {
	seen := map[*huma.Schema]bool{}
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				if l, ok := domain.Limits[p.Name]; ok && p.Schema != nil {
					limitSchema(p.Schema, paramLimit(p, l))
					p.Schema.PrecomputeMessages()
				}
			}
			if op.RequestBody == nil {
				continue
			}
			for _, mt := range op.RequestBody.Content {
				limitProperties(oapi.Components.Schemas, mt.Schema, seen)
			}
		}
	}
}

// paramLimit is l as it bounds parameter p: a path parameter is one
// value, which a count (the same name's bound as a repeated query
// parameter) does not bound.
func paramLimit(p *huma.Param, l domain.Limit) domain.Limit {
	if p.In == "path" {
		l.MaxItems = 0
	}
	return l
}

// limitProperties bounds the properties of s named in the table, and
// those of the schemas it refers to, each schema once.
func limitProperties(reg huma.Registry, s *huma.Schema, seen map[*huma.Schema]bool) {
	if s != nil && s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for name, prop := range s.Properties {
		if l, ok := domain.Limits[name]; ok {
			limitSchema(prop, l)
		}
		limitProperties(reg, prop, seen)
	}
	limitProperties(reg, s.Items, seen)
	s.PrecomputeMessages()
}

// limitSchema sets a schema's bounds from a limit. An array's (a
// repeatable query parameter's) are its count; its items get the rest.
func limitSchema(s *huma.Schema, l domain.Limit) {
	set := func(v int) *int {
		if v == 0 {
			return nil
		}
		return &v
	}
	s.MaxItems = set(l.MaxItems)
	if s.Type == huma.TypeArray && s.Items != nil {
		s = s.Items
		defer s.PrecomputeMessages() // the caller precomputes the array's own
	}
	s.MaxLength, s.MinLength = set(l.MaxLength), set(l.MinLength)
	if l.Maximum != 0 {
		maximum := float64(l.Maximum)
		s.Maximum = &maximum
	}
	if l.HasMinimum {
		minimum := float64(l.Minimum)
		s.Minimum = &minimum
	}
}
