package web

import (
	"net/http"
	"net/url"
	"slices"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// doctorRoutes are the doctor's pages: the patient list, enrolment, the
// patient page with its in-place edits, withdrawal and access history.
func (s *Server) doctorRoutes() []Route {
	get, post := http.MethodGet, http.MethodPost
	return []Route{
		{Method: get, Pattern: "/patients", Action: access.PatientList, Nav: "nav.patients", Handler: s.patientList},
		{Method: get, Pattern: "/patients/new", Action: access.PatientCreate, Nav: "nav.enrol", Handler: s.enrolPage},
		{Method: post, Pattern: "/patients/new", Action: access.PatientCreate, Handler: s.enrolSubmit},
		{Method: post, Pattern: "/patients/decode", Action: access.PatientCreate, Handler: s.decodeCF},
		{Method: get, Pattern: "/patients/{id}", Action: access.PatientRead, Handler: s.patientPage},
		{Method: post, Pattern: "/patients/{id}/identity", Action: access.PatientUpdate, Handler: s.updateIdentity},
		{Method: post, Pattern: "/patients/{id}/date-join", Action: access.PatientUpdate, Handler: s.correctDateJoin},
		{Method: post, Pattern: "/patients/{id}/contacts", Action: access.ContactSheetWrite, Handler: s.addContact},
		{Method: post, Pattern: "/patients/{id}/contacts/{contact}", Action: access.ContactSheetWrite, Handler: s.updateContact},
		{Method: post, Pattern: "/patients/{id}/contacts/{contact}/delete", Action: access.ContactSheetWrite, Handler: s.deleteContact},
		{Method: post, Pattern: "/patients/{id}/address", Action: access.ContactSheetWrite, Handler: s.updateAddress},
		{Method: post, Pattern: "/patients/{id}/home", Action: access.InstallationWrite, Handler: s.updateHome},
		{Method: post, Pattern: "/patients/{id}/collection-dates", Action: access.InstallationCorrectDates, Handler: s.correctCollection},
		{Method: get, Pattern: "/patients/{id}/withdraw", Action: access.PatientWithdraw, Handler: s.withdrawPage},
		{Method: post, Pattern: "/patients/{id}/withdraw", Action: access.PatientWithdraw, Handler: s.withdrawSubmit},
		{Method: get, Pattern: "/patients/{id}/history", Action: access.PatientAccessHistory, Handler: s.historyPage},
	}
}

// Statuses and diagnosis classes as the API codes them (the filters'
// and forms' options, translated in the templates).
var (
	statuses = []domain.InstallationStatus{domain.StatusToInstall, domain.StatusWorking, domain.StatusMaintenance,
		domain.StatusUninstalling, domain.StatusInactive, domain.StatusUnknown}
	diagnosisClasses = []domain.DiagnosisClass{domain.DiagnosisMCI, domain.DiagnosisAlzheimer, domain.DiagnosisParkinson,
		domain.DiagnosisLewyBody, domain.DiagnosisVascular, domain.DiagnosisFrontotemp, domain.DiagnosisOther, domain.DiagnosisUnspecified}
	// patientSorts are the list's orders the API offers, "" (enrolment
	// order) first.
	patientSorts = []string{"", view.SortLastName, "date_join", "-date_join", "status", "last_activity"}
)

// patientListData is the view model of the patient list.
type patientListData struct {
	Patients   []view.PatientSummary
	Sort       string // one of patientSorts
	Status     string // a status code, or "" for all
	Class      string // a diagnosis class, or "" for all
	Q          string // the search as typed
	Cursor     string // this page's cursor ("" on the first page)
	Next       string // the next page's cursor ("" on the last)
	Error      string // the API's message when it refused the query (422)
	Sorts      []string
	Statuses   []domain.InstallationStatus
	Classes    []domain.DiagnosisClass
	StatusBase string // the list's URL without sort and cursor, for the header links
}

// URL is the list's URL with the current filters and the given sort (a
// header link: the first page of that order).
func (d patientListData) URL(sort string) string {
	q := d.query()
	q.Del("cursor")
	if sort != "" {
		q.Set("sort", sort)
	} else {
		q.Del("sort")
	}
	return "/patients?" + q.Encode()
}

// NextURL is the next page's URL.
func (d patientListData) NextURL() string {
	q := d.query()
	q.Set("cursor", d.Next)
	return "/patients?" + q.Encode()
}

// Toggle is the sort a column header links to: date_join and -date_join
// alternate; other columns have one order.
func (d patientListData) Toggle(col string) string {
	if col == "date_join" && d.Sort == "date_join" {
		return "-date_join"
	}
	return col
}

// AriaSort is a header's aria-sort value for column col.
func (d patientListData) AriaSort(col string) string {
	switch {
	case col == "date_join" && d.Sort == "date_join", col != "date_join" && d.Sort == col:
		return "ascending"
	case col == "date_join" && d.Sort == "-date_join":
		return "descending"
	}
	return ""
}

func (d patientListData) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"sort": d.Sort, "status": d.Status, "diagnosis_class": d.Class, "q": d.Q, "cursor": d.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// patientList reads one page of GET /patients with the list's query.
// Values outside the API's options are dropped, not sent.
func (s *Server) patientList(w http.ResponseWriter, r *http.Request) error {
	in := r.URL.Query()
	d := patientListData{Sort: in.Get("sort"), Status: in.Get("status"), Class: in.Get("diagnosis_class"), Q: in.Get("q"),
		Cursor: in.Get("cursor"), Sorts: patientSorts, Statuses: statuses, Classes: diagnosisClasses}
	if !slices.Contains(patientSorts, d.Sort) {
		d.Sort = ""
	}
	if !slices.Contains(statuses, domain.InstallationStatus(d.Status)) {
		d.Status = ""
	}
	if !slices.Contains(diagnosisClasses, domain.DiagnosisClass(d.Class)) {
		d.Class = ""
	}
	q := d.query()
	q.Set("limit", "50")
	var out struct {
		Patients []view.PatientSummary `json:"patients"`
		Next     string                `json:"next"`
	}
	status := http.StatusOK
	if err := s.client(r).Get("/patients", q, &out); err != nil {
		p, ok := err.(*Problem)
		if !ok || p.Status != http.StatusUnprocessableEntity || cursorRefused(err) {
			return err // a refused cursor restarts the list (fail)
		}
		status, d.Error = p.Status, s.problemText(r, p)
	}
	d.Patients, d.Next = out.Patients, out.Next
	return s.render(w, status, "patients", s.page(r, "patients.title", d))
}
