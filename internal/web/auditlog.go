package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"serenade/internal/access"
	"serenade/internal/api"
)

// The admin's pages: the audit log browser (the API's filters, keyset
// paging, the chain's verification on demand) and the accounts list
// (accounts.go).

// adminRoutes are the admin's pages.
func (s *Server) adminRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/admin/audit", Action: access.AuditRead, Nav: "nav.audit", Handler: s.auditPage},
		{Method: http.MethodGet, Pattern: "/admin/accounts", Action: access.AccountRead, Nav: "nav.accounts", Handler: s.accountsPage},
	}
}

// auditPageSize is the entries per page of the audit log browser.
const auditPageSize = 50

// auditOutcomes are the outcome filter's values.
var auditOutcomes = []string{"ok", "denied", "failed"}

// auditFilter is the browser's filters as typed: actor (username),
// action, outcome, and a range of days in the user's zone (to included).
type auditFilter struct {
	Actor, Action, Outcome, From, To string
}

// auditData is the audit log page: the filters, one page of entries,
// the API's sealed cursors of this page and the next ("" on the first and
// the last page) and, when asked for, the chain's verification.
type auditData struct {
	Filter   auditFilter
	Outcomes []string
	Actions  []string
	Entries  []api.AuditEntry
	Cursor   string // this page's cursor ("": the first page)
	Next     string
	Verify   *api.AuditVerification
	Error    string // message id of a filter's error
}

// NextURL is the next page's address, keeping the filters.
func (d auditData) NextURL() string {
	q := d.Filter.values()
	q.Set("cursor", d.Next)
	return "/admin/audit?" + q.Encode()
}

// FirstQuery is the first page's query, keeping the filters.
func (d auditData) FirstQuery() string { return d.Filter.values().Encode() }

// VerifiedEntries is the number of entries the verification checked.
func (d auditData) VerifiedEntries() int {
	if d.Verify == nil {
		return 0
	}
	return int(d.Verify.Entries)
}

// VerifyURL is this page's address asking for the chain's verification.
func (d auditData) VerifyURL() string {
	q := d.Filter.values()
	if d.Cursor != "" {
		q.Set("cursor", d.Cursor)
	}
	q.Set("verify", "1")
	return "/admin/audit?" + q.Encode()
}

func (f auditFilter) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "outcome": f.Outcome, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// apiQuery is the filters as GET /audit's query; a date that does not
// parse is an error (the page says so next to the dates).
func (f auditFilter) apiQuery(loc *time.Location) (url.Values, bool) {
	q := url.Values{}
	if f.Actor != "" {
		q.Set("actor", f.Actor)
	}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if slices.Contains(auditOutcomes, f.Outcome) {
		q.Set("outcome", f.Outcome)
	}
	for _, d := range []struct {
		name, value string
		days        int
	}{{"from", f.From, 0}, {"to", f.To, 1}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.value, loc)
		if err != nil {
			return nil, false
		}
		q.Set(d.name, t.AddDate(0, 0, d.days).UTC().Format(time.RFC3339))
	}
	return q, true
}

// auditPage shows a page of the trail (GET /audit) and, with verify=1,
// the chain's verification (GET /audit/verification), which reads the
// whole trail: it runs when the admin asks, not on every page view.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	in := r.URL.Query()
	d := auditData{Filter: auditFilter{Actor: in.Get("actor"), Action: in.Get("action"), Outcome: in.Get("outcome"), From: in.Get("from"), To: in.Get("to")},
		Outcomes: auditOutcomes, Actions: auditActions()}
	d.Cursor = in.Get("cursor")
	c := s.client(r)
	if in.Get("verify") == "1" {
		d.Verify = &api.AuditVerification{}
		if err := c.Get("/audit/verification", nil, d.Verify); err != nil {
			return err
		}
	}
	q, ok := d.Filter.apiQuery(stateOf(r).loc.Zone())
	if !ok {
		d.Error = "audit.date_invalid"
		return s.render(w, http.StatusUnprocessableEntity, "audit", s.page(r, "audit.title", d))
	}
	if from, to := q.Get("from"), q.Get("to"); from != "" && to != "" && to <= from { // RFC 3339 in UTC: ordered as text
		d.Error = "audit.range_invalid"
		return s.render(w, http.StatusUnprocessableEntity, "audit", s.page(r, "audit.title", d))
	}
	q.Set("limit", strconv.Itoa(auditPageSize))
	if d.Cursor != "" {
		q.Set("cursor", d.Cursor)
	}
	var page struct {
		Entries []api.AuditEntry `json:"entries"`
		Next    string           `json:"next"`
	}
	if err := c.Get("/audit", q, &page); err != nil {
		if p, isProblem := err.(*Problem); isProblem && p.Status == http.StatusUnprocessableEntity && !cursorRefused(err) {
			d.Error = "audit.filter_invalid"
			return s.render(w, http.StatusUnprocessableEntity, "audit", s.page(r, "audit.title", d))
		}
		return err
	}
	d.Entries, d.Next = page.Entries, page.Next
	return s.render(w, http.StatusOK, "audit", s.page(r, "audit.title", d))
}

// auditActions are the action filter's choices: the matrix's actions and
// the login.
func auditActions() []string {
	out := []string{"auth.login"}
	for _, a := range access.Actions() {
		out = append(out, string(a))
	}
	slices.Sort(out)
	return out
}
