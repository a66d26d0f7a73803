package service

import (
	"context"
	"slices"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// OpenTicket opens a ticket with a first message, if the ticket state
// machine (domain.CanOpenTicket) allows its category in the
// installation's status; opening closes the tickets it supersedes. The
// store's unique index on open tickets backs the one-open-ticket-per-
// category rule up.
func (s *Study) OpenTicket(ctx context.Context, installationID int64, c domain.TicketCategory, first string) (domain.Ticket, error) {
	if _, err := domain.ParseCategory(string(c)); err != nil {
		return domain.Ticket{}, err
	}
	first, err := domain.ValidateMessageBody("message", first)
	if err != nil {
		return domain.Ticket{}, err
	}
	by := domain.ActorName(ctx)
	open := store.NewTicket{Category: c, By: by, Message: first, Blind: blindSender(ctx, by)}
	done, err := s.db.UpdateHome(ctx, store.HomeOf{InstallationID: installationID}, func(h store.LockedHome) (store.HomeChange, error) {
		if err := domain.CanOpenTicket(h.Home, c); err != nil {
			return store.HomeChange{}, err
		}
		return store.HomeChange{Close: superseded(h.Tickets, c), Open: &open}, nil
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return s.db.Ticket(ctx, done.Opened)
}

// superseded closes, with a system message, the open tickets that
// opening a ticket of category c makes pointless.
func superseded(tickets []domain.Ticket, c domain.TicketCategory) []store.TicketClose {
	var out []store.TicketClose
	for _, t := range tickets {
		if t.Open() && slices.Contains(domain.SupersededOnOpen(c), t.Category) {
			out = append(out, store.TicketClose{ID: t.ID, By: domain.SystemSender, Note: domain.MessageSuperseded})
		}
	}
	return out
}

// lockedTicket finds a ticket among its home's tickets under the lock.
func lockedTicket(h store.LockedHome, id int64) (domain.Ticket, error) {
	for _, t := range h.Tickets {
		if t.ID == id {
			return t, nil
		}
	}
	return domain.Ticket{}, domain.NotFound("ticket not found")
}

// Ticket returns a ticket with its decrypted thread.
func (s *Study) Ticket(ctx context.Context, id int64) (domain.Ticket, error) {
	return s.db.Ticket(ctx, id)
}

// Tickets returns an installation's tickets with their threads.
func (s *Study) Tickets(ctx context.Context, installationID int64) ([]domain.Ticket, error) {
	return s.db.Tickets(ctx, installationID)
}

// AddMessage appends a message to an open ticket's thread.
func (s *Study) AddMessage(ctx context.Context, ticketID int64, body string) (domain.Message, error) {
	body, err := domain.ValidateMessageBody("body", body)
	if err != nil {
		return domain.Message{}, err
	}
	m := domain.Message{TicketID: ticketID, Sender: domain.ActorName(ctx), Body: body}
	m.WrittenBlind = blindSender(ctx, m.Sender)
	done, err := s.db.UpdateHome(ctx, store.HomeOf{TicketID: ticketID}, func(h store.LockedHome) (store.HomeChange, error) {
		t, err := lockedTicket(h, ticketID)
		if err != nil {
			return store.HomeChange{}, err
		}
		if !t.Open() {
			return store.HomeChange{}, domain.Conflict("the ticket is closed")
		}
		m.CreatedAt = h.Now
		return store.HomeChange{Messages: []store.NewMessage{{TicketID: ticketID, Sender: m.Sender, Body: body, Blind: m.WrittenBlind}}}, nil
	})
	m.ID = done.Message
	return m, err
}

// CloseTicket closes a ticket and sets the installation's collection
// dates as its category requires (domain.CollectionOnClose). Closing the
// uninstallation ticket of a withdrawn patient means the kit is back: what
// was kept for the retrieval is shredded and the master key rotated.
func (s *Study) CloseTicket(ctx context.Context, ticketID int64) (domain.Ticket, error) {
	var closed domain.Ticket
	shred := false
	done, err := s.db.UpdateHome(ctx, store.HomeOf{TicketID: ticketID}, func(h store.LockedHome) (store.HomeChange, error) {
		t, err := lockedTicket(h, ticketID)
		if err != nil {
			return store.HomeChange{}, err
		}
		if !t.Open() {
			return store.HomeChange{}, domain.Conflict("the ticket is already closed")
		}
		start, end, err := domain.CollectionOnClose(h.Home, t.Category, h.Now)
		if err != nil {
			return store.HomeChange{}, err
		}
		at := h.Now
		t.ClosedBy, t.ClosedAt = domain.ActorName(ctx), &at
		closed = t
		shred = h.Home.Withdrawn && t.Category == domain.CategoryUninstallation
		return store.HomeChange{Close: []store.TicketClose{{ID: t.ID, By: t.ClosedBy}},
			Collection: &store.Collection{Start: start, End: end}, Shred: shred}, nil
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	if shred {
		closed.Messages = []domain.Message{} // shredded with the rest
		return closed, s.rotateAfter(ctx, done)
	}
	return s.db.Ticket(ctx, ticketID)
}
