package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"serenade/internal/access"
	"serenade/internal/api"
	"serenade/internal/view"
)

// patientData is the view model of the patient page: the record, the
// installation (home context, dates, status), its tickets and date
// corrections, and the state of the one form that failed, if any.
type patientData struct {
	P           view.PatientRecord
	Inst        *view.InstallationView
	Tickets     []view.TicketView
	Corrections []view.CorrectionView
	// Documents are the installation's documents, read when the matrix
	// grants the caller document.read (CanReadDocuments).
	Documents        []view.DocumentView
	CanReadDocuments bool
	Classes          []string
	HomeFields       []string
	Saved            string // the section just saved (a notice), "" for none
	Section          string // the section whose form failed ("" for none)
	Form             url.Values
	Errors           map[string]string
}

// Val is an input's value: what was typed when its section's form
// failed, else the stored value.
func (d patientData) Val(section, name, stored string) string {
	if d.Section == section {
		return d.Form.Get(name)
	}
	return stored
}

// Err is an input's message when its section's form failed.
func (d patientData) Err(section, name string) string {
	if d.Section != section {
		return ""
	}
	return d.Errors[name]
}

// Open reports whether a section's form is shown open (it failed).
func (d patientData) Open(section string) bool { return d.Section == section }

// Home is a home-context field's stored value by JSON name.
func (d patientData) Home(name string) string {
	if d.Inst == nil {
		return ""
	}
	c := d.Inst.Context
	return map[string]string{"apartment_type": c.ApartmentType, "internet_type": c.InternetType, "flatmates": c.Flatmates, "pets": c.Pets,
		"visitors": c.Visitors, "smartphone_model": c.SmartphoneModel, "appliances": c.Appliances, "issue_notes": c.IssueNotes,
		"habit_notes": c.HabitNotes, "other_notes": c.OtherNotes}[name]
}

// DateInput writes a time as an HTML date input's value (UTC day).
func (d patientData) DateInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// savedKey is a "saved" section name: lower-case words and dashes.
var savedKey = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)

// loadPatient reads the patient page's data through the API: the
// record, and, when it has one, the installation, its tickets and its
// date corrections (each read audited by the API).
func (s *Server) loadPatient(r *http.Request) (patientData, error) {
	d := patientData{HomeFields: homeFields, Form: url.Values{}, Errors: map[string]string{}}
	for _, c := range diagnosisClasses {
		d.Classes = append(d.Classes, string(c))
	}
	c := s.client(r)
	if err := c.Get("/patients/"+url.PathEscape(r.PathValue("id")), nil, &d.P); err != nil {
		return d, err
	}
	if d.P.Installation == "" {
		return d, nil
	}
	base := "/installations/" + url.PathEscape(d.P.Installation)
	d.Inst = &view.InstallationView{}
	if err := c.Get(base, nil, d.Inst); err != nil {
		return d, err
	}
	var tickets struct {
		Tickets []view.TicketView `json:"tickets"`
	}
	if err := c.Get(base+"/tickets", nil, &tickets); err != nil {
		return d, err
	}
	var corr struct {
		Corrections []view.CorrectionView `json:"corrections"`
	}
	if err := c.Get(base+"/collection-dates/corrections", nil, &corr); err != nil {
		return d, err
	}
	d.Tickets, d.Corrections = tickets.Tickets, corr.Corrections
	if d.CanReadDocuments = access.Allows(principalOf(r).Roles, access.DocumentRead); d.CanReadDocuments {
		var docs struct {
			Documents []view.DocumentView `json:"documents"`
		}
		if err := c.Get(base+"/documents", nil, &docs); err != nil {
			return d, err
		}
		d.Documents = docs.Documents
	}
	return d, nil
}

// patientPage shows a patient.
func (s *Server) patientPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadPatient(r)
	if err != nil {
		return err
	}
	p := s.page(r, "patient.title", d)
	if k := r.URL.Query().Get("saved"); savedKey.MatchString(k) {
		d.Saved = k
		p.Data, p.Saved = d, "patient-"+k
		if k == "enrol" {
			p.Saved = "enrol"
		}
	}
	return s.render(w, http.StatusOK, "patient", p)
}

// patientWrite runs one in-place edit of the patient page: send calls
// the API with the posted form; success goes back to the page with a
// notice, a 422 or 409 shows the page again with that section's form
// open, filled and annotated, and any other error is an error page.
func (s *Server) patientWrite(w http.ResponseWriter, r *http.Request, section string, inputs []string, send func(c *Client, d patientData) error) error {
	d, err := s.loadPatient(r)
	if err != nil {
		return err
	}
	err = send(s.client(r), d)
	var p *Problem
	if errors.As(err, &p) && (p.Status == http.StatusUnprocessableEntity || p.Status == http.StatusConflict) {
		if err := r.ParseForm(); err != nil {
			return err
		}
		d.Section, d.Form, d.Errors = section, r.PostForm, s.fieldErrors(r, p, inputs)
		return s.render(w, p.Status, "patient", s.page(r, "patient.title", d))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/patients/"+url.PathEscape(r.PathValue("id"))+"?saved="+section+"#"+section, http.StatusSeeOther)
	return nil
}

// installationPath is the API path of the patient's installation, or a
// 409 when the patient has none.
func installationPath(d patientData) (string, error) {
	if d.P.Installation == "" {
		return "", &Problem{Status: http.StatusConflict, Detail: "the patient has no installation"}
	}
	return "/installations/" + url.PathEscape(d.P.Installation), nil
}

// updateIdentity replaces the identity and medical record
// (PUT /patients/{id}).
func (s *Server) updateIdentity(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "identity", identityFields, func(c *Client, d patientData) error {
		v := map[string]string{}
		for _, n := range identityFields {
			v[n] = strings.TrimSpace(r.PostFormValue(n))
		}
		in := identityOf(v)
		if y := v["birth_year"]; y != "" {
			n, err := atoiStrict(y)
			if err != nil {
				return &Problem{Status: http.StatusUnprocessableEntity, Errors: []ProblemField{{Location: "body.birth_year", Message: stateOf(r).loc.T("msg.birth_year_number")}}}
			}
			in.BirthYear = n
		}
		return c.Do(http.MethodPut, "/patients/"+url.PathEscape(d.P.ID), in, nil)
	})
}

// correctDateJoin corrects the enrolment date.
func (s *Server) correctDateJoin(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "date-join", []string{"date_join"}, func(c *Client, d patientData) error {
		return c.Do(http.MethodPut, "/patients/"+url.PathEscape(d.P.ID)+"/date-join", map[string]string{"date_join": r.PostFormValue("date_join")}, nil)
	})
}

// contactOf is the contact posted by a contact form.
func contactOf(r *http.Request) api.ContactInput {
	return api.ContactInput{Alias: r.PostFormValue("alias"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email")}
}

var contactInputs = []string{"alias", "phone", "email"}

// addContact adds a contact to the home's contact sheet.
func (s *Server) addContact(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "contact-new", contactInputs, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		return c.Do(http.MethodPost, base+"/contact-sheet/contacts", contactOf(r), nil)
	})
}

// updateContact replaces a contact.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "contact-"+safeSection(r.PathValue("contact")), contactInputs, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		return c.Do(http.MethodPut, base+"/contact-sheet/contacts/"+url.PathEscape(r.PathValue("contact")), contactOf(r), nil)
	})
}

// deleteContact removes a contact (the button confirms first, see app.js).
func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "contacts", nil, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		return c.Do(http.MethodDelete, base+"/contact-sheet/contacts/"+url.PathEscape(r.PathValue("contact")), nil, nil)
	})
}

// updateAddress corrects the home address.
func (s *Server) updateAddress(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "address", []string{"address"}, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		return c.Do(http.MethodPut, base+"/contact-sheet/address", map[string]string{"address": r.PostFormValue("address")}, nil)
	})
}

// updateHome replaces the home context (PUT /installations/{id}).
func (s *Server) updateHome(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "home", homeFields, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		v := map[string]string{}
		for _, n := range homeFields {
			v[n] = r.PostFormValue(n)
		}
		return c.Do(http.MethodPut, base, homeContextOf(v, ""), nil)
	})
}

// correctCollection corrects the collection dates, with a reason. The
// form's dates are days; they are sent as midnight UTC of that day.
func (s *Server) correctCollection(w http.ResponseWriter, r *http.Request) error {
	return s.patientWrite(w, r, "collection", []string{"collection_start", "collection_end", "reason"}, func(c *Client, d patientData) error {
		base, err := installationPath(d)
		if err != nil {
			return err
		}
		var start, end *time.Time
		if d.Inst != nil {
			start, end = d.Inst.CollectionStart, d.Inst.CollectionEnd
		}
		body, err := collectionBody(r, start, end)
		if err != nil {
			return err
		}
		return c.Do(http.MethodPut, base+"/collection-dates", body, nil)
	})
}

// collectionBody is a collection-date correction form's body for the API:
// the reason, and each date typed (YYYY-MM-DD) as midnight UTC of that
// day, the calendar the collection rules count in; a date left as the
// form showed it (the UTC day of the date in force, start or end) is sent
// as it is stored, so that correcting one date does not move the other
// to midnight (an end cut by hours, "25 Nov → 25 Nov" in the history). A
// date that does not parse is a 422 naming its input.
func collectionBody(r *http.Request, start, end *time.Time) (map[string]any, error) {
	body := map[string]any{"reason": r.PostFormValue("reason")}
	current := map[string]*time.Time{"collection_start": start, "collection_end": end}
	for _, n := range []string{"collection_start", "collection_end"} {
		if v, was := r.PostFormValue(n), current[n]; was != nil && v == was.UTC().Format(time.DateOnly) {
			body[n] = *was
		} else if v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return nil, &Problem{Status: http.StatusUnprocessableEntity, Errors: []ProblemField{{Location: "body." + n, Message: stateOf(r).loc.T("msg.date")}}}
			}
			body[n] = t
		}
	}
	return body, nil
}

// safeSection keeps the characters of an id usable in a section name.
func safeSection(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, id)
}
