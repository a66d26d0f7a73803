package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"serenade/internal/domain"
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

// apiPatterns translate the API's other validation messages, whole: a
// named group of the pattern ((?P<Date>…)) fills the message's field of
// that name ({{.Date}}); a date (YYYY-MM-DD) is written in the locale.
var apiPatterns = []struct {
	re *regexp.Regexp
	id string
}{
	{regexp.MustCompile(`^must not be after the start of data collection \((?P<Date>\d{4}-\d\d-\d\d)\)`), "msg.join_after_start"},
	{regexp.MustCompile(`^must be between (?P<From>\d{4}-\d\d-\d\d) and (?P<To>\d{4}-\d\d-\d\d) \(tomorrow\)`), "msg.join_range"},
	{regexp.MustCompile(`^must not be before the enrolment date, (?P<Date>\d{4}-\d\d-\d\d)`), "msg.collection_before_join"},
	{regexp.MustCompile(`^must be between (?P<From>\d{4}-\d\d-\d\d) and the end of tomorrow`), "msg.collection_start_range"},
	{regexp.MustCompile(`^collection has ended: the end must not be after tomorrow`), "msg.collection_end_tomorrow"},
	{regexp.MustCompile(`^must be at most (?P<N>\d+) months after collection_start`), "msg.collection_end_max"},
	{regexp.MustCompile(`^must not be before collection_start`), "msg.collection_end_before"},
	{regexp.MustCompile(`^is set on this installation and must be given`), "msg.collection_required"},
	{regexp.MustCompile(`^last_name: more patients match than can be sorted by surname`), "msg.name_sort_max"},
	{regexp.MustCompile(`^a phone number or an e-mail address is required`), "msg.contact_required"},
	{regexp.MustCompile(`^may contain only digits, spaces and`), "msg.phone_chars"},
	{regexp.MustCompile(`^must contain digits`), "msg.phone_digits"},
	{regexp.MustCompile(`^(is not an e-mail address|the domain is not a host name with a dot)`), "msg.email"},
	{regexp.MustCompile(`^at most (?P<N>\d+) contacts`), "msg.contacts_max"},
	// An enumeration's refusal (api.oneOf) lists codes, not words: the
	// page offers the values.
	{regexp.MustCompile(`^expected one of: `), "msg.one_of"},
	// Lengths as the API words them (api.inCharacters), and as huma does.
	{regexp.MustCompile(`^(expected at most |expected length <= |must be at most )(?P<N>\d+)`), "msg.too_long"},
	{regexp.MustCompile(`^(must not be empty|is required$|expected at least 1 characters?$|expected length >= 1$|expected required property)`), "msg.required"},
	{regexp.MustCompile(`^(is empty|a file field is required)`), "msg.file_required"},
}

// message translates an API message: by its start (apiMessages, a
// position it names kept), else whole (apiPatterns). A message neither
// knows is shown as written in English, and as a general "value not
// accepted" in any other language, never as English text in an Italian
// page.
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
	for _, m := range apiPatterns {
		if sub := m.re.FindStringSubmatch(msg); sub != nil {
			data := map[string]any{"Max": loc.Number(domain.NameSortMax)}
			for i, name := range m.re.SubexpNames() {
				if name != "" {
					data[name] = loc.DateString(sub[i])
				}
			}
			return loc.T(m.id, data)
		}
	}
	if msg == "" || loc.Lang == "en" {
		return msg
	}
	return loc.T("msg.invalid")
}

// translated is a copy of an API problem with its messages translated
// (message), for pages that show them next to their inputs.
func (s *Server) translated(r *http.Request, p *Problem) *Problem {
	out := *p
	out.Errors = make([]ProblemField, len(p.Errors))
	for i, e := range p.Errors {
		out.Errors[i] = ProblemField{Location: e.Location, Message: s.message(r, e.Message)}
	}
	out.Detail = s.message(r, p.Detail)
	return &out
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

// systemMessages are the ticket messages Serenade itself writes (the
// enrolment's, the silence worker's), stored and served by the API in
// English; a page shows them in the user's language, matched by their
// exact text (a named group fills the message's field of that name).
var systemMessages = []struct {
	re *regexp.Regexp
	id string
}{
	{regexp.MustCompile(`^Patient enrolled: the sensor kit is to be installed\.$`), "sys.enrolled"},
	{regexp.MustCompile(`^Opened by Serenade: the sensor kit has sent no reading since data collection started \(more than (?P<Since>[0-9hms.]+)\)\. Please check the gateway and its connection\.$`), "sys.silent_kit"},
	{regexp.MustCompile(`^Opened by Serenade: no reading for more than (?P<Since>[0-9hms.]+) from (?P<Streams>[^\n]+)\. Please check these sensors and the gateway\.$`), "sys.silent_streams_for"},
	// As stored before the threshold was named.
	{regexp.MustCompile(`^Opened by Serenade: no reading for longer than the silence threshold from (?P<Streams>[^\n]+)\. Please check these sensors and the gateway\.$`), "sys.silent_streams"},
}

// Message is a ticket message's text as the page shows it: a system
// message (systemMessages) translated, any other as written, with the
// placeholders of redaction in the user's language when the API says it
// redacted the message (Text).
func (p Page) Message(body string, redacted bool) string {
	for _, m := range systemMessages {
		if sub := m.re.FindStringSubmatch(body); sub != nil {
			data := map[string]any{}
			for i, name := range m.re.SubexpNames() {
				if name != "" {
					data[name] = sub[i]
				}
			}
			// The silence threshold is stored as Go writes a duration
			// (domain.SilenceMessage: "36h0m0s"); shown in words.
			if since, ok := data["Since"].(string); ok {
				if d, err := time.ParseDuration(since); err == nil {
					data["Since"] = p.L.Duration(d)
				}
			}
			return p.L.T(m.id, data)
		}
	}
	return p.Text(body, redacted)
}
