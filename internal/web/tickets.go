package web

import (
	"net/http"
	"net/url"
	"slices"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// ticketRoutes are the field teams' work queue and ticket threads.
func (s *Server) ticketRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Pattern: "/field/tickets", Action: access.TicketQueue, Nav: "nav.field_tickets", Handler: s.ticketQueue},
		{Method: http.MethodGet, Pattern: "/field/tickets/{ticket}", Action: fieldGate, Handler: s.ticketPage},
		{Method: http.MethodPost, Pattern: "/field/tickets/{ticket}/messages", Action: access.TicketWrite, Handler: s.ticketReply},
		{Method: http.MethodGet, Pattern: "/field/tickets/{ticket}/close", Action: access.TicketClose, Handler: s.ticketCloseConfirm},
		{Method: http.MethodPost, Pattern: "/field/tickets/{ticket}/close", Action: access.TicketClose, Handler: s.ticketClose},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/tickets", Action: access.TicketOpen, Handler: s.ticketOpen},
	}
}

// ticketCategories are the ticket categories, in lifecycle order.
var ticketCategories = []domain.TicketCategory{domain.CategoryInstallation, domain.CategoryMaintenance, domain.CategoryUninstallation}

// ticketStates are the queue's state filter's choices.
var ticketStates = []string{"open", "closed"}

// ticketQueueData is the view model of the work queue: the API's page of
// tickets with the filters it was asked with (State "open" by default;
// "all" asks for both) and the cursor. Home is the one installation the
// queue is narrowed to (nil: all), named by the installation page's link
// to its tickets: the queue never reads the list of homes to offer them
// all, which would read (and audit) every patient to fill a dropdown.
type ticketQueueData struct {
	fieldHelpers
	State, Category, Installation string
	States                        []string
	Categories                    []domain.TicketCategory
	Home                          *view.InstallationView
	Tickets                       []view.QueueTicket
	Next, Cursor                  string
}

// ticketQueue is the work queue across installations.
func (s *Server) ticketQueue(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := ticketQueueData{State: q.Get("state"), Category: q.Get("category"), Installation: q.Get("installation"), Cursor: q.Get("cursor"),
		States: ticketStates, Categories: ticketCategories}
	if d.State == "" {
		d.State = "open"
	}
	query := url.Values{"limit": {"50"}}
	if slices.Contains(ticketStates, d.State) {
		query.Set("state", d.State)
	} else {
		d.State = "all"
	}
	if slices.Contains(ticketCategories, domain.TicketCategory(d.Category)) {
		query.Set("category", d.Category)
	} else {
		d.Category = ""
	}
	setIf(query, "installation", d.Installation)
	setIf(query, "cursor", d.Cursor)
	c := s.client(r)
	if d.Installation != "" {
		d.Home = &view.InstallationView{}
		if err := c.Get("/installations/"+url.PathEscape(d.Installation), nil, d.Home); err != nil {
			return err
		}
	}
	var out struct {
		Tickets []view.QueueTicket `json:"tickets"`
		Next    string             `json:"next"`
	}
	if err := c.Get("/tickets", query, &out); err != nil {
		return err
	}
	d.Tickets, d.Next = out.Tickets, out.Next
	return s.render(w, http.StatusOK, "tickets_queue", s.page(r, "tickets.queue.title", d))
}

// ticketData is the view model of a ticket's thread: the ticket, its
// installation, the caller's username (its own messages show on the
// right), what the caller may do, and a failed reply (Problem, Typed;
// Summary, for the error summary, what the reply box does not show).
type ticketData struct {
	fieldHelpers
	Ticket             view.TicketView
	Inst               view.InstallationView
	Me                 string
	CanReply, CanClose bool
	Problem            *Problem
	Typed, Summary     string
}

// loadTicket reads a ticket and its installation.
func (s *Server) loadTicket(r *http.Request) (*ticketData, error) {
	c := s.client(r)
	p := principalOf(r)
	d := &ticketData{Me: p.Username}
	if err := c.Get("/tickets/"+url.PathEscape(r.PathValue("ticket")), nil, &d.Ticket); err != nil {
		return nil, err
	}
	if err := c.Get("/installations/"+url.PathEscape(d.Ticket.Installation), nil, &d.Inst); err != nil {
		return nil, err
	}
	d.CanReply = d.Ticket.Open && access.Allows(p.Roles, access.TicketWrite)
	d.CanClose = d.Ticket.Open && access.Allows(p.Roles, access.TicketClose)
	return d, nil
}

// ticketPage is a ticket as a chat.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadTicket(r)
	if err != nil {
		return err
	}
	p := s.page(r, "ticket.title", d)
	if r.URL.Query().Get("sent") != "" {
		p.Saved = "reply-" + d.Ticket.ID // the reply went: forget its kept draft
	}
	return s.render(w, http.StatusOK, "ticket", p)
}

// ticketReply writes on a ticket; an empty or too long message comes
// back with the API's message next to the box, the text kept.
func (s *Server) ticketReply(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("ticket")
	body := map[string]string{"body": r.PostFormValue("body")}
	err := s.client(r).Do(http.MethodPost, "/tickets/"+url.PathEscape(ref)+"/messages", body, nil)
	if p, ok := err.(*Problem); ok && p.Status == http.StatusUnprocessableEntity {
		d, lerr := s.loadTicket(r)
		if lerr != nil {
			return lerr
		}
		d.Problem, d.Typed, d.Summary = p, r.PostFormValue("body"), s.fieldErrors(r, p, []string{"body"})[""]
		return s.render(w, http.StatusUnprocessableEntity, "ticket", s.page(r, "ticket.title", d))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/field/tickets/"+url.PathEscape(ref)+"?sent=1#reply", http.StatusSeeOther)
	return nil
}

// ticketCloseConfirm asks before closing: closing the installation
// ticket starts the 12 months of collection, the uninstallation ticket
// ends them, and neither can be undone.
func (s *Server) ticketCloseConfirm(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadTicket(r)
	if err != nil {
		return err
	}
	if !d.CanClose {
		return statusError(http.StatusConflict)
	}
	return s.render(w, http.StatusOK, "ticket_close", s.page(r, "ticket.close.title", d))
}

// ticketClose closes the ticket and goes back to its installation,
// whose collection dates the close may have set.
func (s *Server) ticketClose(w http.ResponseWriter, r *http.Request) error {
	var t view.TicketView
	if err := s.client(r).Do(http.MethodPost, "/tickets/"+url.PathEscape(r.PathValue("ticket"))+"/close", nil, &t); err != nil {
		return err
	}
	return backTo(w, r, t.Installation, "ticket_closed", "status")
}

// ticketOpen opens a ticket with its first message. Which category may
// be opened depends on the installation's status; the API's 409 is said
// in words, by category, on the installation's page.
func (s *Server) ticketOpen(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	cat := r.PostFormValue("category")
	body := map[string]string{"category": cat, "message": r.PostFormValue("message")}
	var t view.TicketView
	if err := s.client(r).Do(http.MethodPost, "/installations/"+url.PathEscape(ref)+"/tickets", body, &t); err != nil {
		refusal := "ticket.refused.other"
		if slices.Contains(ticketCategories, domain.TicketCategory(cat)) {
			refusal = "ticket.refused." + cat
		}
		return s.formFailed(w, r, ref, "ticket", refusal, err)
	}
	http.Redirect(w, r, "/field/tickets/"+url.PathEscape(t.ID), http.StatusSeeOther)
	return nil
}
