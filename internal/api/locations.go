package api

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// A refusal's location names the field at fault ("body.contacts[0].email"),
// but a field name may be whatever the client typed: an unknown JSON
// property, a form field or a multipart part named after a codice fiscale
// came back verbatim. Locations therefore keep only names the API itself
// declares (its schemas' properties and its parameters); any other segment
// ends the location there ("body").
var declaredNames = struct {
	sync.RWMutex
	set map[string]bool
}{set: map[string]bool{}}

// declareNames adds every property and parameter name of the API's
// OpenAPI document to the names a location may carry.
func (a *API) declareNames() {
	oapi := a.huma.OpenAPI()
	declaredNames.Lock()
	defer declaredNames.Unlock()
	seen := map[*huma.Schema]bool{}
	var walk func(s *huma.Schema)
	walk = func(s *huma.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Ref != "" {
			walk(oapi.Components.Schemas.SchemaFromRef(s.Ref))
		}
		for name, p := range s.Properties {
			declaredNames.set[name] = true
			walk(p)
		}
		walk(s.Items)
	}
	for _, s := range oapi.Components.Schemas.Map() {
		walk(s)
	}
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Delete, item.Patch} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				declaredNames.set[p.Name] = true
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// safeLocation is loc up to its first segment the API does not declare.
func safeLocation(loc string) string {
	declaredNames.RLock()
	defer declaredNames.RUnlock()
	segments := strings.Split(loc, ".")
	for i, seg := range segments {
		if i == 0 {
			continue // body, path, query, header
		}
		name, _, _ := strings.Cut(seg, "[")
		if !declaredNames.set[name] && !declaredNames.set[http.CanonicalHeaderKey(name)] {
			return strings.Join(segments[:i], ".")
		}
	}
	return loc
}

// quotedName is name quoted when the API declares it, else "a key": a
// message may name a field, never echo a name the client made up.
func quotedName(name string) string {
	declaredNames.RLock()
	defer declaredNames.RUnlock()
	if declaredNames.set[name] {
		return strconv.Quote(name)
	}
	return "a key"
}
