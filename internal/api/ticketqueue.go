package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// ticketQueueInput is the work queue: filters, order and paging.
type ticketQueueInput struct {
	Sort         string                `query:"sort" enum:"last_activity,opened," doc:"Newest first, by last activity (when empty) or by opening; then the caller's pseudonym of the ticket."`
	State        string                `query:"state" enum:"open,closed," doc:"Only open or only closed tickets."`
	Category     domain.TicketCategory `query:"category" enum:"installation,maintenance,uninstallation," doc:"Only tickets of this category."`
	Installation string                `query:"installation" doc:"Only the tickets of this installation (the caller's pseudonym of it, or a doctor's id)."`
	PageQuery
}

type ticketQueueOutput struct {
	listed
	Body struct {
		Tickets []view.QueueTicket `json:"tickets"`
		Next    string             `json:"next,omitempty" doc:"Pass as cursor= for the next page; absent on the last page."`
	}
}

func (a *API) registerTicketQueue(tags []string) {
	register(a, access.TicketQueue, huma.Operation{OperationID: "ticket-queue", Method: http.MethodGet, Path: "/tickets", Tags: tags,
		Summary: "The work queue: tickets across installations, newest activity first, paged", Errors: []int{http.StatusUnprocessableEntity},
		Description: "Each ticket with its home's nickname, category, state, last activity, last sender and message count (no thread: " +
			"read it with get-ticket). Times are cut to the caller's precision and sort as shown.",
		Metadata: map[string]any{metaResource: resource.Ticket.Collection()}}, a.ticketQueue)
}

func (a *API) ticketQueue(ctx context.Context, in *ticketQueueInput) (*ticketQueueOutput, error) {
	f, err := a.queueFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	v := a.viewer(ctx)
	f.ByOpening, f.Role, f.HeadCut = in.Sort == view.SortOpened, v.OrderRole(), v.Cut(access.ActivityTimes)
	if f.ByOpening {
		f.HeadCut = v.Cut(access.TicketTimes)
	}
	pos := page.Position{List: "tickets", Sort: in.Sort, Filter: filterKey(in.State, string(in.Category), in.Installation)}
	rows, next, err := sqlPage(a, ctx, pos, in.PageQuery, func(after page.Key, limit int) ([]domain.TicketEntry, error) {
		f.AfterKey, f.Limit = after, limit
		return a.deps.Study.TicketEntries(ctx, f)
	}, func(t domain.TicketEntry) page.Key { return t.Key })
	if err != nil {
		return nil, err
	}
	vers := make(map[int64]string, len(rows))
	for _, e := range rows {
		vers[e.PatientID] = e.IdentityVersion
	}
	p, _ := domain.PrincipalFrom(ctx)
	if v, err = a.views.ForList(ctx, p, vers); err != nil {
		return nil, err
	}
	out := &ticketQueueOutput{}
	out.Body.Tickets, out.Body.Next = make([]view.QueueTicket, len(rows)), next
	for i, t := range rows {
		out.Body.Tickets[i] = v.QueueTicket(t)
		out.patients = append(out.patients, t.PatientID)
	}
	return out, nil
}

// queueFilter turns the queue's query into a filter; an installation
// that is none of the caller's is a 422 naming the parameter.
func (a *API) queueFilter(ctx context.Context, in *ticketQueueInput) (domain.TicketFilter, error) {
	f := domain.TicketFilter{Category: in.Category}
	if in.State != "" {
		open := in.State == "open"
		f.Open = &open
	}
	if in.Installation != "" {
		id, err := a.viewer(ctx).Resolve(resource.Installation, in.Installation)
		if err != nil {
			return f, queryInvalid("installation", "names no installation you can see")
		}
		f.InstallationID = id
	}
	return f, nil
}
