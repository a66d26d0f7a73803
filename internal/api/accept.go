package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/elnormous/contenttype"
)

// jsonAnswers are the types a JSON route answers with: its results, and
// its errors (RFC 9457).
var jsonAnswers = []contenttype.MediaType{
	contenttype.NewMediaType("application/json"),
	contenttype.NewMediaType("application/problem+json"),
}

// acceptable reports whether r's Accept admits what op answers with, by
// the rules of RFC 9110 §12.5.1 (the most specific range decides, q=0
// excludes). Only operations whose answers are JSON are checked: a
// document download answers the stored file's own type. No Accept, or one
// that cannot be parsed, admits anything (RFC 9110 lets a server ignore
// a malformed Accept rather than refuse the request).
func (a *API) acceptable(r *http.Request, op *huma.Operation) bool {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if op == nil || strings.TrimSpace(accept) == "" || !answersJSON(op) {
		return true
	}
	_, _, err := contenttype.GetAcceptableMediaTypeFromHeader(accept, jsonAnswers)
	return !errors.Is(err, contenttype.ErrNoAcceptableTypeFound)
}

// answersJSON reports whether every successful answer op declares is
// JSON (or has no body).
func answersJSON(op *huma.Operation) bool {
	for code, res := range op.Responses {
		if !strings.HasPrefix(code, "2") || res == nil {
			continue
		}
		for ct := range res.Content {
			if ct != "application/json" && !strings.HasSuffix(ct, "+json") {
				return false
			}
		}
	}
	return true
}
