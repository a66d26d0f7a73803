package api

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"serenade/internal/domain"
)

// cleanQuery puts every query parameter an operation declares through the
// text policy that bodies go through, before huma parses and validates
// it: one normaliser for every route, present and future. A string value
// is trimmed, NFC-normalised, its inner white space collapsed, and
// refused when it is not UTF-8 or holds a control, bidirectional or
// invisible character (domain.QueryText); an integer must be written in
// its canonical form ("5", never "+5", "05" or " 5"), as references are;
// a parameter given twice is refused rather than one copy silently
// winning. A refusal is a 422 naming query.<name>, recorded in the trail
// like every refusal, and never echoes the value.
func (a *API) cleanQuery(ctx huma.Context, next func(huma.Context)) {
	r, _ := humago.Unwrap(ctx)
	if r == nil || r.URL.RawQuery == "" {
		next(ctx)
		return
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		_ = huma.WriteErr(a.huma, ctx, http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "query", Message: "is not a well-formed query string (a bad %-escape or a ';')"})
		return
	}
	for _, p := range ctx.Operation().Parameters {
		if p.In != "query" || values[p.Name] == nil {
			continue
		}
		clean, err := cleanQueryValues(p, values[p.Name])
		if err != nil {
			_ = huma.WriteErr(a.huma, ctx, http.StatusUnprocessableEntity, "validation failed",
				&huma.ErrorDetail{Location: "query." + p.Name, Message: err.Error()})
			return
		}
		values[p.Name] = clean
	}
	r.URL.RawQuery = values.Encode()
	next(ctx)
}

// cleanQueryValues applies the policy to each value of declared
// parameter p: one, unless p is an array, a repeatable parameter.
func cleanQueryValues(p *huma.Param, vs []string) ([]string, error) {
	if p.Schema == nil || p.Schema.Type != huma.TypeArray {
		clean, err := cleanQueryValue(p, vs)
		return []string{clean}, err
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		clean, err := cleanQueryValue(p, []string{v})
		if err != nil {
			return nil, err
		}
		out[i] = clean
	}
	return out, nil
}

// canonicalInteger is the one way an integer parameter may be written.
var canonicalInteger = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`)

// cleanQueryValue applies the policy to the values of declared parameter
// p; the error's text is the message to show.
func cleanQueryValue(p *huma.Param, vs []string) (string, error) {
	if len(vs) > 1 && (p.Schema == nil || p.Schema.Type != huma.TypeArray) {
		return "", errors.New("is given more than once")
	}
	clean, err := domain.QueryText.Clean(p.Name, vs[0])
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return "", errors.New(de.Message)
		}
		return "", err
	}
	if p.Schema != nil && p.Schema.Type == huma.TypeInteger && vs[0] != "" && !canonicalInteger.MatchString(vs[0]) {
		return "", errors.New("must be an integer in canonical form: digits only, no sign, leading zero or space")
	}
	return clean, nil
}
