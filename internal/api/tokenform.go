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
// refused (400 naming it): which of two usernames or passwords counts
// would otherwise be the parser's choice.
func parseTokenForm(body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("the body is not a form")
	}
	for _, name := range slices.Sorted(maps.Keys(form)) {
		if len(form[name]) > 1 {
			return nil, huma.NewError(http.StatusBadRequest, "malformed form body",
				&huma.ErrorDetail{Location: "body." + name, Message: fmt.Sprintf("the form field %q is given %d times", name, len(form[name]))})
		}
	}
	return form, nil
}
