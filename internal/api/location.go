package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// metaLocation is an operation's template of the Location of what it
// creates, relative to Prefix: {name} is the request's path parameter of
// that name, {id} the id member of the answer's body, which is the id
// (doctors) or the caller's pseudonym, as the body says. Every operation
// answering 201 has one (the document declares Location as required on
// every 201 and the conformance check holds the API to it).
const metaLocation = "location"

// placeholder is one {name} of a location template.
var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// sendLocation is a transformer of this API's responses: a 201 gets the
// Location of what it created, from its operation's template. A template
// whose values are missing gives no Location (the answer, which
// committed, is still sent); the conformance check of the tests finds
// the required header missing.
func sendLocation(ctx huma.Context, status string, v any) (any, error) {
	tmpl, _ := ctx.Operation().Metadata[metaLocation].(string)
	if status != strconv.Itoa(http.StatusCreated) || tmpl == "" {
		return v, nil
	}
	if loc, ok := expandLocation(tmpl, ctx.Param, bodyID(v)); ok {
		ctx.SetHeader("Location", loc)
	}
	return v, nil
}

// expandLocation fills tmpl from the path parameters and the body's id,
// each path-escaped, under Prefix; ok is false when a value is missing.
func expandLocation(tmpl string, param func(string) string, id string) (loc string, ok bool) {
	ok = true
	loc = placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		val := id
		if name := m[1 : len(m)-1]; name != "id" {
			val = param(name)
		}
		ok = ok && val != ""
		return url.PathEscape(val)
	})
	return Prefix + loc, ok
}

// bodyID is the id member of an answer's body, "" when it has none.
func bodyID(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var b struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return "" // not an object
	}
	return b.ID
}
