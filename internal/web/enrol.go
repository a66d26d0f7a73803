package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"serenade/internal/api"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// enrolContactRows is how many contact rows the enrolment form shows;
// a row is sent when filled (contacts are optional, as in the API), an
// empty one ignored.
const enrolContactRows = 3

// homeFields are the home context's inputs, in the form's order (the
// JSON names of view.HomeContext).
var homeFields = []string{"apartment_type", "internet_type", "flatmates", "pets", "visitors", "smartphone_model", "appliances",
	"issue_notes", "habit_notes", "other_notes"}

// identityFields are the identity's inputs (the JSON names of
// api.IdentityInput).
var identityFields = []string{"last_name", "first_name", "codice_fiscale", "birth_year", "address", "diagnosis", "diagnosis_class", "medical_notes"}

// enrolForm is what the doctor typed, kept to fill the form again.
type enrolForm struct {
	Values   map[string]string // identity, date_join, home_context.<field>
	Contacts []api.ContactInput
}

// V is a typed value by input name.
func (f enrolForm) V(name string) string { return f.Values[name] }

// enrolData is the view model of the enrolment form.
type enrolData struct {
	Form       enrolForm
	Errors     map[string]string // by input name; "" for the form as a whole
	Classes    []domain.DiagnosisClass
	HomeFields []string
}

// Err is the message for an input ("" when none).
func (d enrolData) Err(name string) string { return d.Errors[name] }

func newEnrolData(f enrolForm) enrolData {
	for len(f.Contacts) < enrolContactRows {
		f.Contacts = append(f.Contacts, api.ContactInput{})
	}
	return enrolData{Form: f, Errors: map[string]string{}, Classes: diagnosisClasses, HomeFields: homeFields}
}

// enrolPage shows an empty enrolment form.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "enrol", s.page(r, "enrol.title", newEnrolData(enrolForm{Values: map[string]string{}})))
}

// parseEnrolForm reads the posted form.
func parseEnrolForm(r *http.Request) enrolForm {
	f := enrolForm{Values: map[string]string{}}
	for _, n := range append(identityFields, "date_join") {
		f.Values[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	for _, n := range homeFields {
		f.Values["home_context."+n] = strings.TrimSpace(r.PostFormValue("home_context." + n))
	}
	for i := range enrolContactRows {
		c := api.ContactInput{Alias: r.PostFormValue(fmt.Sprintf("contacts[%d].alias", i)),
			Phone: r.PostFormValue(fmt.Sprintf("contacts[%d].phone", i)), Email: r.PostFormValue(fmt.Sprintf("contacts[%d].email", i))}
		f.Contacts = append(f.Contacts, c)
	}
	return f
}

// enrolBody is the API's enrolment body (POST /patients).
type enrolBody struct {
	api.IdentityInput
	DateJoin    string             `json:"date_join,omitempty"`
	Contacts    []api.ContactInput `json:"contacts,omitempty"`
	HomeContext *view.HomeContext  `json:"home_context,omitempty"`
}

// body builds the API body; filled contact rows only, in order, so
// that the API's contacts[i] is the i-th filled row (rows maps it back).
func (f enrolForm) body() (enrolBody, []int, error) {
	b := enrolBody{IdentityInput: identityOf(f.Values), DateJoin: f.Values["date_join"]}
	if v := f.Values["birth_year"]; v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			return b, nil, errBirthYear
		}
		b.BirthYear = y
	}
	var rows []int
	for i, c := range f.Contacts {
		if strings.TrimSpace(c.Alias+c.Phone+c.Email) != "" {
			b.Contacts, rows = append(b.Contacts, c), append(rows, i)
		}
	}
	hc := homeContextOf(f.Values, "home_context.")
	b.HomeContext = &hc
	return b, rows, nil
}

var errBirthYear = errors.New("birth year not a number")

// identityOf reads api.IdentityInput from form values by JSON name
// (birth_year aside).
func identityOf(v map[string]string) api.IdentityInput {
	return api.IdentityInput{FirstName: v["first_name"], LastName: v["last_name"], CodiceFiscale: strings.ToUpper(v["codice_fiscale"]),
		Address: v["address"], MedicalNotes: v["medical_notes"], Diagnosis: v["diagnosis"], DiagnosisClass: domain.DiagnosisClass(v["diagnosis_class"])}
}

// homeContextOf reads a home context from form values named prefix+field.
func homeContextOf(v map[string]string, prefix string) view.HomeContext {
	g := func(n string) string { return v[prefix+n] }
	return view.HomeContext{ApartmentType: g("apartment_type"), InternetType: g("internet_type"), Flatmates: g("flatmates"), Pets: g("pets"),
		Visitors: g("visitors"), SmartphoneModel: g("smartphone_model"), Appliances: g("appliances"), IssueNotes: g("issue_notes"),
		HabitNotes: g("habit_notes"), OtherNotes: g("other_notes")}
}

// enrolSubmit enrols through POST /api/v1/patients. Contacts are
// optional (SPEC §3, the API's contract): the filled rows are sent and
// checked by the API like any field, so a row filled in part (a name
// without a phone or an email) is refused next to its input. A refusal
// shows the form again, filled, with each message next to its input;
// success goes to the new patient's page.
func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	f := parseEnrolForm(r)
	d := newEnrolData(f)
	b, rows, err := f.body()
	if err != nil {
		d.Errors["birth_year"] = stateOf(r).loc.T("msg.birth_year_number")
		return s.render(w, http.StatusUnprocessableEntity, "enrol", s.page(r, "enrol.title", d))
	}
	var rec view.PatientRecord
	err = s.client(r).Do(http.MethodPost, "/patients", b, &rec)
	var p *Problem
	if errors.As(err, &p) && (p.Status == http.StatusUnprocessableEntity || p.Status == http.StatusConflict) {
		d.Errors = s.fieldErrors(r, remapContacts(p, rows), enrolInputs())
		if p.Status == http.StatusConflict {
			d.Errors[""] = stateOf(r).loc.T("msg.duplicate")
		}
		return s.render(w, p.Status, "enrol", s.page(r, "enrol.title", d))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/patients/"+rec.ID+"?saved=enrol", http.StatusSeeOther)
	return nil
}

// enrolInputs are the enrolment form's input names.
func enrolInputs() []string {
	out := append(append([]string{}, identityFields...), "date_join")
	for _, n := range homeFields {
		out = append(out, "home_context."+n)
	}
	for i := range enrolContactRows {
		for _, n := range []string{"alias", "phone", "email"} {
			out = append(out, fmt.Sprintf("contacts[%d].%s", i, n))
		}
	}
	return out
}

// remapContacts turns the API's contacts[i] (the i-th filled row) into
// the form's row numbers.
func remapContacts(p *Problem, rows []int) *Problem {
	out := *p
	out.Errors = make([]ProblemField, len(p.Errors))
	for i, e := range p.Errors {
		for j, row := range rows {
			old := fmt.Sprintf("body.contacts[%d]", j)
			if strings.HasPrefix(e.Location, old) {
				e.Location = fmt.Sprintf("body.contacts[%d]", row) + strings.TrimPrefix(e.Location, old)
				break
			}
		}
		out.Errors[i] = e
	}
	return &out
}
