package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// TicketRef is the {ticket} path parameter (exported: see PatientRef).
type TicketRef struct {
	Ticket string `path:"ticket" doc:"Ticket id (doctors) or the caller's pseudonym of the ticket."`
	id     int64  // resolved before the handler runs (refs.go)
}

type ticketOutput struct{ Body view.TicketView }

type ticketListOutput struct {
	Body struct {
		Tickets []view.TicketView `json:"tickets"`
	}
}

type openTicketInput struct {
	InstallationRef
	Body struct {
		Category domain.TicketCategory `json:"category" enum:"installation,maintenance,uninstallation"`
		Message  string                `json:"message" doc:"First message of the thread."`
	}
}

type messageInput struct {
	TicketRef
	Body struct {
		Body string `json:"body"`
	}
}

type messageOutput struct{ Body view.MessageView }

func (a *API) registerTickets() {
	tags := []string{"tickets"}
	register(a, access.TicketRead, huma.Operation{OperationID: "list-tickets", Method: http.MethodGet, Path: "/installations/{installation}/tickets", Tags: tags,
		Summary: "List an installation's tickets with their threads", Errors: []int{http.StatusNotFound}}, a.listTickets)
	register(a, access.TicketOpen, huma.Operation{OperationID: "open-ticket", Method: http.MethodPost, Path: "/installations/{installation}/tickets", Tags: tags,
		Summary: "Open a ticket", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Metadata: map[string]any{metaLocation: "/tickets/{id}"},
		Description: "Which category may be opened depends on the installation's status (the ticket state machine in docs/design.md): " +
			"installation only before collection started, maintenance only on a working home, uninstallation on a working home or " +
			"during maintenance (which it closes); nothing on an inactive home or a withdrawn patient's. A refusal is a 409 saying why."}, a.openTicket)
	register(a, access.TicketRead, huma.Operation{OperationID: "get-ticket", Method: http.MethodGet, Path: "/tickets/{ticket}", Tags: tags,
		Summary: "Read a ticket and its thread", Errors: []int{http.StatusNotFound}}, a.getTicket)
	register(a, access.TicketWrite, huma.Operation{OperationID: "add-message", Method: http.MethodPost, Path: "/tickets/{ticket}/messages", Tags: tags,
		Summary: "Write on an open ticket", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Description: "A message has no address of its own: Location is its ticket's.",
		Metadata:    map[string]any{metaLocation: "/tickets/{ticket}"}},
		a.addMessage)
	register(a, access.TicketClose, huma.Operation{OperationID: "close-ticket", Method: http.MethodPost, Path: "/tickets/{ticket}/close", Tags: tags,
		Summary: "Close a ticket", Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Closing the installation ticket starts data collection for 12 months (never on a home whose collection started " +
			"or ended); closing the uninstallation ticket ends it now, or keeps an earlier end. Closing the uninstallation ticket " +
			"of a withdrawn patient shreds what was kept for the kit's retrieval."},
		a.closeTicket)
	a.registerTicketQueue(tags)
}

func (a *API) listTickets(ctx context.Context, in *InstallationRef) (*ticketListOutput, error) {
	tickets, err := a.deps.Study.Tickets(ctx, in.id)
	if err != nil {
		return nil, err
	}
	out := &ticketListOutput{}
	out.Body.Tickets = make([]view.TicketView, len(tickets))
	if len(tickets) == 0 {
		return out, nil
	}
	v, err := a.viewerOf(ctx, tickets[0].PatientID) // one installation: one patient
	if err != nil {
		return nil, err
	}
	for i, t := range tickets {
		out.Body.Tickets[i] = v.Ticket(t)
	}
	v.OrderTickets(out.Body.Tickets)
	return out, nil
}

// ticketOutput shows one ticket to the caller.
func (a *API) ticketOutput(ctx context.Context, t domain.Ticket) (*ticketOutput, error) {
	v, err := a.viewerOf(ctx, t.PatientID)
	if err != nil {
		return nil, err
	}
	return &ticketOutput{Body: v.Ticket(t)}, nil
}

func (a *API) openTicket(ctx context.Context, in *openTicketInput) (*ticketOutput, error) {
	t, err := a.deps.Study.OpenTicket(ctx, in.InstallationRef.id, in.Body.Category, in.Body.Message)
	if err != nil {
		return nil, err
	}
	return a.ticketOutput(ctx, t)
}

func (a *API) getTicket(ctx context.Context, in *TicketRef) (*ticketOutput, error) {
	t, err := a.deps.Study.Ticket(ctx, in.id)
	if err != nil {
		return nil, err
	}
	return a.ticketOutput(ctx, t)
}

func (a *API) addMessage(ctx context.Context, in *messageInput) (*messageOutput, error) {
	m, err := a.deps.Study.AddMessage(ctx, in.TicketRef.id, in.Body.Body)
	if err != nil {
		return nil, err
	}
	// The caller's own words come back as written; the time as the caller's roles are shown it.
	return &messageOutput{Body: a.viewer(ctx).Message(0, m)}, nil
}

func (a *API) closeTicket(ctx context.Context, in *TicketRef) (*ticketOutput, error) {
	t, err := a.deps.Study.CloseTicket(ctx, in.id)
	if err = a.tookEffect(ctx, err); err != nil {
		return nil, err
	}
	return a.ticketOutput(ctx, t)
}
