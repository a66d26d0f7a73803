package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"serenade/internal/codicefiscale"
)

// decoded is the answer of POST /patients/decode: what the codice
// fiscale says, in the user's language, before anything is saved.
// Errors are by input name (codice_fiscale, last_name, first_name,
// birth_year), explained in words.
type decoded struct {
	Valid      bool              `json:"valid"`
	Sex        string            `json:"sex,omitempty"`         // translated
	BirthDate  string            `json:"birth_date,omitempty"`  // formatted for the locale
	BirthPlace string            `json:"birth_place,omitempty"` // "Milano (MI)" or a country
	Age        string            `json:"age,omitempty"`         // "78 anni"
	Years      []int             `json:"years,omitempty"`       // the birth years the code admits, when more than one
	Errors     map[string]string `json:"errors,omitempty"`
}

// decodeCF decodes the posted codice fiscale (and checks it against the
// typed names) with internal/codicefiscale, the same rules the API
// applies at enrolment. It is a POST (CSRF-checked) so that neither the
// code nor the names ever appear in a URL; it reads and writes nothing.
func (s *Server) decodeCF(w http.ResponseWriter, r *http.Request) error {
	out := decoded{Errors: map[string]string{}}
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("codice_fiscale")))
	info, err := codicefiscale.Parse(code)
	var ce *codicefiscale.Error
	switch {
	case errors.As(err, &ce):
		out.Errors["codice_fiscale"] = s.message(r, ce.Error())
	case err != nil:
		return err
	default:
		s.describe(r, info, &out)
	}
	w.Header().Set("Content-Type", "application/json")
	if out.Valid {
		out.Valid = len(out.Errors) == 0
	}
	return json.NewEncoder(w).Encode(out)
}

// describe fills what a valid code says, and the names' and birth
// year's errors.
func (s *Server) describe(r *http.Request, info codicefiscale.Info, out *decoded) {
	loc := stateOf(r).loc
	out.Valid = true
	var ne *codicefiscale.NameError
	last, first := r.PostFormValue("last_name"), r.PostFormValue("first_name")
	if strings.TrimSpace(last) != "" && strings.TrimSpace(first) != "" {
		if err := codicefiscale.CheckNames(info, last, first); errors.As(err, &ne) {
			field := "first_name"
			if ne.Part == codicefiscale.PartSurname {
				field = "last_name"
			}
			out.Errors[field] = s.message(r, ne.Msg)
		}
	}
	out.Sex = loc.Enum("sex", info.Sex)
	out.BirthPlace = info.Place.Name
	if info.Place.Province != "" {
		out.BirthPlace += " (" + info.Place.Province + ")"
	}
	now := s.deps.Now()
	rule := codicefiscale.Rule{Now: now, MinAge: s.deps.MinParticipantAge}
	years := info.BirthYears(rule)
	switch len(years) {
	case 0:
		out.Errors["codice_fiscale"] = loc.T("msg.cf_age")
	case 1:
		in, _ := info.InYear(years[0], rule)
		out.BirthDate, out.Age = loc.DateOnly(in.BirthDate), loc.N("age.years", in.Age(now))
	default:
		out.Years = years
		if y := r.PostFormValue("birth_year"); y != "" {
			for _, yy := range years {
				if y == itoa(yy) {
					in, _ := info.InYear(yy, rule)
					out.BirthDate, out.Age = loc.DateOnly(in.BirthDate), loc.N("age.years", in.Age(now))
					return
				}
			}
		}
		out.Errors["birth_year"] = loc.T("msg.birth_year_choose", map[string]any{"Years": joinYears(years)})
	}
}
