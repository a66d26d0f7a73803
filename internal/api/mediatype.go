package api

import (
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// requireMediaType is a middleware that refuses (415) a body of a media
// type the operation does not declare for its body, before the body is
// read. huma alone would take any +json type on a JSON operation and any
// type at all on an operation that reads its raw body (login took a
// text/plain body that reads as a form). It runs after authenticate: a
// caller the matrix refuses learns nothing from the check (403 first).
// The refusal names the accepted types, never the type that was sent.
func (a *API) requireMediaType(ctx huma.Context, next func(huma.Context)) {
	r, _ := humago.Unwrap(ctx)
	op := ctx.Operation()
	if r == nil || acceptsMediaType(r, op) {
		next(ctx)
		return
	}
	_ = huma.WriteErr(a.huma, ctx, http.StatusUnsupportedMediaType,
		"this route accepts a body of type "+strings.Join(requestMediaTypes(op), ", "),
		&huma.ErrorDetail{Location: "body", Message: huma.ErrUnknownContentType.Error()})
}

// acceptsMediaType reports whether r's body, if it has one, is of a media
// type op declares for its body. A body without a Content-Type is read
// as JSON (huma's default). The parameters (charset=, boundary=) are the
// decoders' to check.
func acceptsMediaType(r *http.Request, op *huma.Operation) bool {
	types := requestMediaTypes(op)
	if types == nil || r.ContentLength == 0 {
		return true
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/json"
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && slices.Contains(types, mt)
}

// requestMediaTypes are the media types op accepts for a body, nil when
// it declares none.
func requestMediaTypes(op *huma.Operation) []string {
	if op == nil || op.RequestBody == nil {
		return nil
	}
	types := make([]string, 0, len(op.RequestBody.Content))
	for mt := range op.RequestBody.Content {
		types = append(types, mt)
	}
	slices.Sort(types)
	return types
}
