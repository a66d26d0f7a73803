package api

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"
)

// Names in refusals. A refusal says where the problem is, but a client
// chooses the names of the members, form fields and parts it sends, and
// may put a codice fiscale or a name there. So a refusal names a member
// only when the API declares that name (a property of one of its schemas,
// a parameter, a form field, the upload's part): anything else is said
// without its name ("an unknown member of body.contacts[0]", "a form
// field … given twice"), and a location stops before the first name the
// API does not declare.

// vocabulary is the set of names the API declares. It is filled from the
// OpenAPI document of every API built in the process (declareNames): the
// same code declares the same names, so the union is that set.
type vocabulary struct {
	mu    sync.RWMutex
	names map[string]bool
}

var declared = &vocabulary{names: map[string]bool{}}

func (v *vocabulary) add(name string) {
	v.mu.Lock()
	v.names[name] = true
	v.mu.Unlock()
}

func (v *vocabulary) has(name string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.names[name]
}

// declareNames adds every parameter and property name of doc.
func declareNames(doc *huma.OpenAPI) {
	seen := map[*huma.Schema]bool{}
	if doc.Components != nil && doc.Components.Schemas != nil {
		for _, s := range doc.Components.Schemas.Map() {
			schemaNames(s, seen)
		}
	}
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op != nil {
				operationNames(op, seen)
			}
		}
	}
}

func operationNames(op *huma.Operation, seen map[*huma.Schema]bool) {
	for _, p := range op.Parameters {
		declared.add(p.Name)
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			schemaNames(mt.Schema, seen)
		}
	}
}

// schemaNames adds the property names of s and of every schema within it.
func schemaNames(s *huma.Schema, seen map[*huma.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for name, p := range s.Properties {
		declared.add(name)
		schemaNames(p, seen)
	}
	schemaNames(s.Items, seen)
	schemaNames(s.Not, seen)
	if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
		schemaNames(ap, seen)
	}
	for _, list := range [][]*huma.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range list {
			schemaNames(sub, seen)
		}
	}
}

// quoted is a declared name in quotes, or "" for any other name.
func quoted(name string) string {
	if !declared.has(name) {
		return ""
	}
	return strconv.Quote(name)
}

// segment is one step of a location: a member name or an array index.
type segment struct {
	name  string
	index bool
}

// render writes root and segs in the style of huma's locations
// (body.contacts[0].alias), stopping before the first member name the API
// does not declare; complete is false when it stopped there.
func render(root string, segs []segment) (path string, complete bool) {
	var b strings.Builder
	b.WriteString(root)
	for _, s := range segs {
		switch {
		case s.index:
			b.WriteString("[" + s.name + "]")
		case declared.has(s.name):
			b.WriteString("." + s.name)
		default:
			return b.String(), false
		}
	}
	return b.String(), true
}

// where says where a problem is: "in body.contacts[0]", or "inside an
// unknown member of body" when the path goes through a name the API does
// not declare.
func where(root string, segs []segment) string {
	path, complete := render(root, segs)
	if complete {
		return "in " + path
	}
	return "inside an unknown member of " + path
}

// indexed is a location segment with its array indices: contacts[0][1].
var indexed = regexp.MustCompile(`^([^\[\]]*)((?:\[[0-9]+\])*)$`)

// parseLocation splits a huma location into its root (body, query, path,
// header) and segments. A segment that is not a name followed by indices
// is taken whole as a name (one the API does not declare).
func parseLocation(loc string) (string, []segment) {
	parts := strings.Split(loc, ".")
	var segs []segment
	for _, p := range parts[1:] {
		m := indexed.FindStringSubmatch(p)
		if m == nil {
			segs = append(segs, segment{name: p})
			continue
		}
		segs = append(segs, segment{name: m[1]})
		for _, i := range strings.Split(strings.Trim(m[2], "[]"), "][") {
			if i != "" {
				segs = append(segs, segment{name: i, index: true})
			}
		}
	}
	return parts[0], segs
}

// unexpectedMember replaces huma's "unexpected property" message: the
// location is the object's, never the member's name.
const unexpectedMember = "unexpected property: this object has a member it does not declare (its name is not repeated)"

// redactDetail keeps a refusal's location to names the API declares: an
// unexpected property is reported at its object, any other location
// stops before the first undeclared name.
func redactDetail(d *huma.ErrorDetail) {
	if d.Location == "" {
		return
	}
	root, segs := parseLocation(d.Location)
	if d.Message == validation.MsgUnexpectedProperty && len(segs) > 0 {
		segs, d.Message = segs[:len(segs)-1], unexpectedMember
	}
	d.Location, _ = render(root, segs)
}
