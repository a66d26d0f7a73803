package web

import (
	"net/http"
	"net/url"
	"strings"

	"serenade/internal/api"
	"serenade/internal/textfold"
	"serenade/internal/view"
)

// withdrawData is the view model of the withdrawal confirmation.
type withdrawData struct {
	P     view.PatientRecord
	Typed string // what was typed in the confirmation
	Error string // message id when the confirmation did not match
}

// withdrawPage explains what a withdrawal erases and asks the doctor to
// type the patient's surname.
func (s *Server) withdrawPage(w http.ResponseWriter, r *http.Request) error {
	var d withdrawData
	if err := s.client(r).Get("/patients/"+url.PathEscape(r.PathValue("id")), nil, &d.P); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "withdraw", s.page(r, "withdraw.title", d))
}

// withdrawSubmit withdraws (DELETE /patients/{id}) once the typed
// surname matches (case, accents and spaces aside); otherwise the page
// comes back with the message.
func (s *Server) withdrawSubmit(w http.ResponseWriter, r *http.Request) error {
	d := withdrawData{Typed: r.PostFormValue("confirm")}
	c := s.client(r)
	if err := c.Get("/patients/"+url.PathEscape(r.PathValue("id")), nil, &d.P); err != nil {
		return err
	}
	if !sameName(d.Typed, d.P.LastName) {
		d.Error = "withdraw.mismatch"
		return s.render(w, http.StatusUnprocessableEntity, "withdraw", s.page(r, "withdraw.title", d))
	}
	if err := c.Do(http.MethodDelete, "/patients/"+url.PathEscape(d.P.ID), nil, nil); err != nil {
		return err
	}
	http.Redirect(w, r, "/patients/"+url.PathEscape(d.P.ID)+"?saved=withdrawn", http.StatusSeeOther)
	return nil
}

// sameName compares a typed confirmation with a name as the search does
// (case and accents folded, spaces trimmed).
func sameName(typed, name string) bool {
	return typed != "" && textfold.Fold(strings.TrimSpace(typed)) == textfold.Fold(strings.TrimSpace(name))
}

// historyData is the view model of a patient's access history.
type historyData struct {
	P       view.PatientRecord
	Entries []api.AuditEntry
	Cursor  string // this page's sealed cursor ("": the first page)
	Next    string // the next page's cursor ("": the last page)
}

// historyPage shows who accessed the patient's data
// (GET /patients/{id}/access-history), 50 entries a page.
func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) error {
	var d historyData
	c := s.client(r)
	id := url.PathEscape(r.PathValue("id"))
	if err := c.Get("/patients/"+id, nil, &d.P); err != nil {
		return err
	}
	q := url.Values{"limit": {"50"}}
	if d.Cursor = r.URL.Query().Get("cursor"); d.Cursor != "" {
		q.Set("cursor", d.Cursor)
	}
	var out struct {
		Entries []api.AuditEntry `json:"entries"`
		Next    string           `json:"next"`
	}
	if err := c.Get("/patients/"+id+"/access-history", q, &out); err != nil {
		return err
	}
	d.Entries, d.Next = out.Entries, out.Next
	return s.render(w, http.StatusOK, "history", s.page(r, "history.title", d))
}
