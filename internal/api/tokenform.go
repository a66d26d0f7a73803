package api

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// parseTokenForm reads the token request's form. A field given twice is
// refused (400): which of two usernames or passwords counts would
// otherwise be the parser's choice. The refusal names the field when the
// form declares it; a name the client made up is not repeated.
func parseTokenForm(body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("the body is not a form")
	}
	for _, name := range slices.Sorted(maps.Keys(form)) {
		if n := len(form[name]); n > 1 {
			return nil, huma.NewError(http.StatusBadRequest, "malformed form body", repeatedField(name, n))
		}
	}
	return form, nil
}

// repeatedField is the refusal of a form field given n times.
func repeatedField(name string, n int) *huma.ErrorDetail {
	if q := quoted(name); q != "" {
		return &huma.ErrorDetail{Location: "body." + name, Message: fmt.Sprintf("the form field %s is given %d times", q, n)}
	}
	return &huma.ErrorDetail{Location: "body", Message: fmt.Sprintf("a form field the form does not declare is given %d times (its name is not repeated)", n)}
}
