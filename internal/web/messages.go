package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// apiMessages translate the API's English validation messages that a
// doctor meets most (the codice fiscale's, the names'), by their start;
// the message id gets the rest of the message as {{.Rest}}. Other
// messages are shown as the API wrote them.
var apiMessages = []struct{ prefix, id string }{
	{"must be 16 characters", "msg.cf_length"},
	{"invalid character (expected an unaccented letter or a digit)", "msg.cf_char"},
	{"invalid character (expected a digit or an omocodia letter", "msg.cf_digit"},
	{"invalid character (expected a letter)", "msg.cf_letter"},
	{"invalid month letter", "msg.cf_month"},
	{"day out of range (expected 01-31", "msg.cf_day"},
	{"day out of range for the month and year", "msg.cf_day_month"},
	{"unknown place code", "msg.cf_place"},
	{"wrong check character", "msg.cf_check"},
	{"does not match the codice fiscale", "msg.name_mismatch"},
	{"contains a letter the codice fiscale cannot encode", "msg.name_letter"},
	{"has no letters the codice fiscale can encode", "msg.name_empty"},
	{"the codice fiscale admits birth in", "msg.birth_year_choose"},
	{"must be one of the years the codice fiscale admits", "msg.birth_year_choose"},
	{"the birth date it encodes gives no age", "msg.cf_age"},
}

// message translates an API message (see apiMessages). A position the
// message names ("… at position 9") is kept, translated.
func (s *Server) message(r *http.Request, msg string) string {
	loc := stateOf(r).loc
	for _, m := range apiMessages {
		if strings.HasPrefix(msg, m.prefix) {
			out := loc.T(m.id, map[string]any{"Years": yearsIn(msg)})
			if i := strings.LastIndex(msg, " at position "); i >= 0 {
				out += " " + loc.T("msg.position", map[string]any{"Pos": strings.TrimSuffix(msg[i+len(" at position "):], ")")})
			}
			return out
		}
	}
	return msg
}

// yearsIn returns the years a birth-year message lists ("1906 or
// 2006"), "" if none.
func yearsIn(msg string) string {
	var ys []string
	for _, w := range strings.Fields(strings.NewReplacer(":", " ", ",", " ").Replace(msg)) {
		if len(w) == 4 && strings.Trim(w, "0123456789") == "" {
			ys = append(ys, w)
		}
	}
	return strings.Join(ys, " / ")
}

// problemText is a problem's message for a page: its first field
// message, else its detail, translated when known.
func (s *Server) problemText(r *http.Request, p *Problem) string {
	if len(p.Errors) > 0 && p.Errors[0].Message != "" {
		return s.message(r, p.Errors[0].Message)
	}
	return s.message(r, p.Detail)
}

// fieldErrors maps a 422's messages to the form's inputs by the API's
// location without "body." ("first_name", "contacts[0].phone"),
// translated. A message for a location that is not among known (the
// form's input names) goes under "", shown above the form; so does the
// detail of a problem without field errors.
func (s *Server) fieldErrors(r *http.Request, p *Problem, known []string) map[string]string {
	out := map[string]string{}
	if p == nil {
		return out
	}
	for _, e := range p.Errors {
		key := strings.TrimPrefix(e.Location, "body.")
		if !slices.Contains(known, key) {
			key = ""
		}
		if out[key] == "" {
			out[key] = s.message(r, e.Message)
		}
	}
	if len(p.Errors) == 0 {
		out[""] = s.message(r, p.Detail)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// joinYears spells years as "1936 / 2036".
func joinYears(ys []int) string {
	s := make([]string, len(ys))
	for i, y := range ys {
		s[i] = itoa(y)
	}
	return strings.Join(s, " / ")
}

// atoiStrict parses a whole number of up to 4 digits (a year).
func atoiStrict(s string) (int, error) {
	if len(s) == 0 || len(s) > 4 || strings.Trim(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}
