package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// The field teams' pages (installers and monitoring) live under /field/.
// Every page is gated by ticket.queue, the action only the field teams
// hold (so that the pages and their navigation never show to doctors or
// researchers, who have pages of their own over the same API reads); each
// section of a page and each form is then shown or refused by the action
// its own API call needs, and the API checks it again.
const fieldGate = access.TicketQueue

// installerRoutes are the field teams' installation pages and forms.
func (s *Server) installerRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/field/installations", Action: fieldGate, Nav: "nav.field_installations", Handler: s.fieldInstallations},
		{Method: http.MethodGet, Pattern: "/field/installations/{installation}", Action: fieldGate, Handler: s.fieldInstallation},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/context", Action: access.InstallationWrite, Handler: s.fieldContextSubmit},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/address", Action: access.ContactSheetWrite, Handler: s.fieldAddressSubmit},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/collection-dates", Action: access.InstallationCorrectDates, Handler: s.fieldCollectionSubmit},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/contacts", Action: access.ContactSheetWrite, Handler: s.fieldContactAdd},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/contacts/{contact}", Action: access.ContactSheetWrite, Handler: s.fieldContactUpdate},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/contacts/{contact}/delete", Action: access.ContactSheetWrite, Handler: s.fieldContactDelete},
	}
}

// installationStatuses are the status filter's choices, in lifecycle order.
var installationStatuses = []domain.InstallationStatus{domain.StatusToInstall, domain.StatusWorking, domain.StatusMaintenance,
	domain.StatusUninstalling, domain.StatusInactive, domain.StatusUnknown}

// installationSorts are the list's sorts the field teams may use (the
// API's, but by id, which they have none of).
var installationSorts = []string{"nickname", "date_join", "-date_join", "last_activity", "status"}

// fieldListData is the view model of the installations list: the API's
// page with the sort and filter it was asked with; Next is the API's
// cursor of the next page ("" on the last).
type fieldListData struct {
	fieldHelpers
	Sort, Status  string
	Sorts         []string
	Statuses      []domain.InstallationStatus
	Installations []view.InstallationView
	Next, Cursor  string
	ShowHealth    bool // the caller is shown device health
}

// fieldInstallations is the list of installations by nickname, with
// status, enrolment date, last activity and device health.
func (s *Server) fieldInstallations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := fieldListData{Sort: q.Get("sort"), Status: q.Get("status"), Sorts: installationSorts, Statuses: installationStatuses, Cursor: q.Get("cursor"),
		ShowHealth: access.Allows(principalOf(r).Roles, access.DeviceHealthRead)}
	if !slices.Contains(installationSorts, d.Sort) {
		d.Sort = "nickname"
	}
	if !slices.Contains(installationStatuses, domain.InstallationStatus(d.Status)) {
		d.Status = ""
	}
	var out struct {
		Installations []view.InstallationView `json:"installations"`
		Next          string                  `json:"next"`
	}
	query := url.Values{"sort": {d.Sort}, "limit": {"50"}}
	setIf(query, "status", d.Status)
	setIf(query, "cursor", d.Cursor)
	if err := s.client(r).Get("/installations", query, &out); err != nil {
		return err
	}
	d.Installations, d.Next = out.Installations, out.Next
	return s.render(w, http.StatusOK, "field_installations", s.page(r, "field.list.title", d))
}

// setIf sets a query parameter when its value is not empty.
func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// fieldCan is what the caller may do on an installation's page, by the
// matrix (the API refuses the rest anyway).
type fieldCan struct {
	EditContext, ReadSheet, EditSheet, ReadDocuments, Upload, DeleteDocuments, Tokens, OpenTicket, ReadHealth bool
	CorrectDates, ReadCorrections                                                                             bool
}

func canOf(roles []domain.Role) fieldCan {
	a := func(x access.Action) bool { return access.Allows(roles, x) }
	return fieldCan{EditContext: a(access.InstallationWrite), ReadSheet: a(access.ContactSheetRead), EditSheet: a(access.ContactSheetWrite),
		ReadDocuments: a(access.DocumentRead), Upload: a(access.DocumentWrite), DeleteDocuments: a(access.DocumentDelete),
		Tokens: a(access.IngestTokenWrite), OpenTicket: a(access.TicketOpen), ReadHealth: a(access.DeviceHealthRead),
		CorrectDates: a(access.InstallationCorrectDates), ReadCorrections: a(access.InstallationCorrectionsRead)}
}

// fieldInstallationData is the view model of an installation's page:
// the installation, and each section the caller may see (nil or empty
// otherwise). Form is the form that failed (its id), Problem the API's
// refusal of it and Typed what was typed, so that it comes back filled;
// a refused form's entries (422) are Invalid, said at the top by the
// error summary with Summary, what no input of the form shows; Notice is
// a message id said at the top (a save); NewToken is an ingest token just
// provisioned, shown this once.
type fieldInstallationData struct {
	fieldHelpers
	Inst        view.InstallationView
	Can         fieldCan
	Sheet       *view.ContactSheet
	Tickets     []view.TicketView
	Corrections []view.CorrectionView
	Documents   []view.DocumentView
	Tokens      []view.IngestTokenView
	Health      *healthGrid
	Categories  []domain.TicketCategory
	DocTypes    []string
	Form        string
	Problem     *Problem
	Refusal     string // message id of a refused action, said in words
	Invalid     bool
	Summary     string
	Typed       url.Values
	Notice      string
	NewToken    string
}

// fieldInstallation is an installation's page.
func (s *Server) fieldInstallation(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadInstallation(r, r.PathValue("installation"))
	if err != nil {
		return err
	}
	saved := r.URL.Query().Get("saved")
	d.Notice = noticeOf(saved)
	p := s.page(r, "field.installation.title", d)
	if saved == "context" {
		p.Saved = "context-" + d.Inst.ID // saved: forget the kept copy
	}
	return s.render(w, http.StatusOK, "field_installation", p)
}

// notices are the confirmations a redirect after a save may name.
var notices = []string{"context", "address", "collection", "contact", "contact_deleted", "document", "document_deleted", "token_revoked", "ticket_closed"}

func noticeOf(saved string) string {
	if slices.Contains(notices, saved) {
		return "field.saved." + saved
	}
	return ""
}

// loadInstallation reads an installation and every section the caller
// may see, each through its API route.
func (s *Server) loadInstallation(r *http.Request, ref string) (*fieldInstallationData, error) {
	c, base := s.client(r), "/installations/"+url.PathEscape(ref)
	d := &fieldInstallationData{Can: canOf(principalOf(r).Roles), Categories: ticketCategories, DocTypes: documentTypes, Typed: url.Values{}}
	if err := c.Get(base, nil, &d.Inst); err != nil {
		return nil, err
	}
	var tickets struct {
		Tickets []view.TicketView `json:"tickets"`
	}
	if err := c.Get(base+"/tickets", nil, &tickets); err != nil {
		return nil, err
	}
	d.Tickets = tickets.Tickets
	if d.Can.ReadCorrections {
		var corr struct {
			Corrections []view.CorrectionView `json:"corrections"`
		}
		if err := c.Get(base+"/collection-dates/corrections", nil, &corr); err != nil {
			return nil, err
		}
		d.Corrections = corr.Corrections
	}
	if d.Can.ReadSheet {
		d.Sheet = &view.ContactSheet{}
		if err := c.Get(base+"/contact-sheet", nil, d.Sheet); err != nil {
			return nil, err
		}
	}
	if err := s.loadDocuments(c, base, d); err != nil {
		return nil, err
	}
	if err := s.loadTokens(c, base, d); err != nil {
		return nil, err
	}
	return d, s.loadHealth(r, c, base, d)
}

// backTo redirects to an installation's page after a save, naming it.
func backTo(w http.ResponseWriter, r *http.Request, ref, saved, anchor string) error {
	http.Redirect(w, r, "/field/installations/"+url.PathEscape(ref)+"?saved="+saved+"#"+anchor, http.StatusSeeOther)
	return nil
}

// formFailed re-renders an installation's page with a form's refusal:
// a 422 puts the API's messages next to the inputs, a 409 says why in
// words (refusal), anything else is an error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, ref, form, refusal string, err error) error {
	p, ok := err.(*Problem)
	if !ok || (p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusConflict) {
		return err
	}
	d, lerr := s.loadInstallation(r, ref)
	if lerr != nil {
		return lerr
	}
	d.Form, d.Problem, d.Typed = form, s.translated(r, p), r.PostForm
	if p.Status == http.StatusConflict {
		d.Refusal = refusal
	} else {
		d.Invalid, d.Summary = true, s.fieldErrors(r, p, formInputs(form))[""]
	}
	return s.render(w, p.Status, "field_installation", s.page(r, "field.installation.title", d))
}

// formInputs are the inputs of an installation page's form that show
// their own message (the error summary says the others').
func formInputs(form string) []string {
	switch {
	case form == "context":
		return contextFields
	case form == "address":
		return []string{"address"}
	case form == "collection":
		return []string{"collection_start", "collection_end", "reason"}
	case form == "ticket":
		return []string{"message"}
	case form == "document":
		return []string{"file"}
	case strings.HasPrefix(form, "contact-"):
		return []string{"alias", "phone", "email"}
	}
	return nil
}

// contextFields are the home context's inputs, in the form's order.
var contextFields = []string{"apartment_type", "internet_type", "flatmates", "pets", "visitors", "smartphone_model", "appliances",
	"issue_notes", "habit_notes", "other_notes"}

// fieldContextSubmit saves the home context (the whole context is sent,
// as the API asks).
func (s *Server) fieldContextSubmit(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	f := func(k string) string { return r.PostFormValue(k) }
	body := view.HomeContext{ApartmentType: f("apartment_type"), InternetType: f("internet_type"), Flatmates: f("flatmates"), Pets: f("pets"),
		Visitors: f("visitors"), SmartphoneModel: f("smartphone_model"), Appliances: f("appliances"), IssueNotes: f("issue_notes"),
		HabitNotes: f("habit_notes"), OtherNotes: f("other_notes")}
	contextSent(r, &body)
	if err := s.client(r).Do(http.MethodPut, "/installations/"+url.PathEscape(ref), body, nil); err != nil {
		return s.formFailed(w, r, ref, "context", "field.refused.context", err)
	}
	return backTo(w, r, ref, "context", "context")
}

// contextSent turns the home context as the user sent it into the API's
// text, for a user shown the placeholders of redaction in their language
// ("[telefono]" for "[phone]"). A field sent as the page showed it is
// sent as the API gave it, which the form carries beside it (keptPrefix)
// when it holds a bracket: the API keeps a field's stored text and its
// author only when it comes back as the API gave it, and without this
// saving the form would write the user's view of a field over the text
// installers wrote. A field the user changed is sent as typed with the
// placeholders written as the API writes them, so that the doctor never
// reads "[contatto]". Nothing is read from the API: the page's own copy
// is enough, and a copy the user altered sends only what the user could
// type anyway.
func contextSent(r *http.Request, body *view.HomeContext) {
	table := placeholders(stateOf(r).loc, principalOf(r).Roles)
	if table == nil {
		return
	}
	for i, sent := range contextValues(body) {
		if r.PostForm.Has(keptPrefix + contextFields[i]) {
			if was := r.PostForm.Get(keptPrefix + contextFields[i]); *sent == was || *sent == table.Show(was) {
				*sent = was
				continue
			}
		}
		*sent = table.API(*sent)
	}
}

// keptPrefix names the form's copy of a context field as the API gave it
// ("api-flatmates"), carried for the fields that hold a bracket.
const keptPrefix = "api-"

// contextValues are the fields of a home context, in contextFields' order.
func contextValues(c *view.HomeContext) []*string {
	return []*string{&c.ApartmentType, &c.InternetType, &c.Flatmates, &c.Pets, &c.Visitors, &c.SmartphoneModel, &c.Appliances,
		&c.IssueNotes, &c.HabitNotes, &c.OtherNotes}
}

// fieldAddressSubmit corrects the home address.
func (s *Server) fieldAddressSubmit(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	body := map[string]string{"address": r.PostFormValue("address")}
	if err := s.client(r).Do(http.MethodPut, "/installations/"+url.PathEscape(ref)+"/contact-sheet/address", body, nil); err != nil {
		return s.formFailed(w, r, ref, "address", "field.refused.sheet", err)
	}
	return backTo(w, r, ref, "address", "sheet")
}

// fieldCollectionSubmit corrects the collection dates with a reason (the
// form is offered when the matrix grants installation.correct-dates).
func (s *Server) fieldCollectionSubmit(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	// The field teams are shown the dates to the day: a date sent back as
	// shown is kept as stored by the API itself.
	body, err := collectionBody(r, nil, nil)
	if err == nil {
		err = s.client(r).Do(http.MethodPut, "/installations/"+url.PathEscape(ref)+"/collection-dates", body, nil)
	}
	if err != nil {
		return s.formFailed(w, r, ref, "collection", "field.refused.collection", err)
	}
	return backTo(w, r, ref, "collection", "status")
}

// CollectionDate is a collection date as the form's date input writes it
// (its UTC day: the calendar of the collection rules), "" for none.
func (d *fieldInstallationData) CollectionDate(name string, t *time.Time) string {
	current := ""
	if t != nil {
		current = t.UTC().Format(time.DateOnly)
	}
	return d.Value("collection", name, current)
}

// contactBody is a contact form's body for the API.
func contactBody(r *http.Request) map[string]string {
	return map[string]string{"alias": r.PostFormValue("alias"), "phone": r.PostFormValue("phone"), "email": r.PostFormValue("email")}
}

// fieldContactAdd adds a contact to the home's sheet.
func (s *Server) fieldContactAdd(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	if err := s.client(r).Do(http.MethodPost, "/installations/"+url.PathEscape(ref)+"/contact-sheet/contacts", contactBody(r), nil); err != nil {
		return s.formFailed(w, r, ref, "contact-new", "field.refused.sheet", err)
	}
	return backTo(w, r, ref, "contact", "sheet")
}

// fieldContactUpdate replaces a contact.
func (s *Server) fieldContactUpdate(w http.ResponseWriter, r *http.Request) error {
	ref, contact := r.PathValue("installation"), r.PathValue("contact")
	path := "/installations/" + url.PathEscape(ref) + "/contact-sheet/contacts/" + url.PathEscape(contact)
	if err := s.client(r).Do(http.MethodPut, path, contactBody(r), nil); err != nil {
		return s.formFailed(w, r, ref, "contact-"+contact, "field.refused.sheet", err)
	}
	return backTo(w, r, ref, "contact", "sheet")
}

// fieldContactDelete removes a contact (the button's form asks the
// browser to confirm; without script, the post itself is the choice).
func (s *Server) fieldContactDelete(w http.ResponseWriter, r *http.Request) error {
	ref, contact := r.PathValue("installation"), r.PathValue("contact")
	path := "/installations/" + url.PathEscape(ref) + "/contact-sheet/contacts/" + url.PathEscape(contact)
	if err := s.client(r).Do(http.MethodDelete, path, nil, nil); err != nil {
		return s.formFailed(w, r, ref, "contact-"+contact, "field.refused.sheet", err)
	}
	return backTo(w, r, ref, "contact_deleted", "sheet")
}

// Value is what a form's input shows: what was typed, when that form
// just failed, else the current value.
func (d *fieldInstallationData) Value(form, name, current string) string {
	if d.Form == form {
		return d.Typed.Get(name)
	}
	return current
}

// Err is the API's message for an input of the form that failed ("" for
// other forms and inputs).
func (d *fieldInstallationData) Err(form, name string) string {
	if d.Form != form {
		return ""
	}
	return d.Problem.Field(name)
}

// formField is one input of the home context's form: Value is what it
// shows, Redacted whether it is the API's redacted text (its
// placeholders are translated, Page.Text), Kept the API's text carried
// beside it when it holds a bracket (contextSent).
type formField struct {
	Name, Value, Error, Kept string
	Long, Redacted           bool // a textarea; the API's redacted text
}

// ContextFields are the home context's inputs with their values and
// messages; a form that failed shows what was typed, as typed.
func (d *fieldInstallationData) ContextFields() []formField {
	current := contextValues(&d.Inst.Context)
	out := make([]formField, len(contextFields))
	for i, name := range contextFields {
		out[i] = formField{Name: name, Value: d.Value("context", name, *current[i]), Error: d.Err("context", name), Long: i >= 6,
			Redacted: d.Form != "context" && slices.Contains(d.Inst.ContextRedacted, name)}
		if strings.Contains(*current[i], "[") {
			out[i].Kept = *current[i]
		}
	}
	return out
}
