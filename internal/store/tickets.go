package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const labelMessage = "ticket.message"

// OpenTicket opens a ticket with a first message, if the ticket state
// machine (domain.CanOpenTicket) allows its category in the
// installation's status; opening may close tickets it supersedes.
func (db *DB) OpenTicket(ctx context.Context, installationID int64, c domain.TicketCategory, first string) (domain.Ticket, error) {
	if _, err := domain.ParseCategory(string(c)); err != nil {
		return domain.Ticket{}, err
	}
	first, err := domain.ValidateMessageBody("message", first)
	if err != nil {
		return domain.Ticket{}, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		h, err := db.homeForUpdate(ctx, tx, ` WHERE i.id = $1`, installationID, "installation")
		if err != nil {
			return err
		}
		if err := domain.CanOpenTicket(h.home, c); err != nil {
			return err
		}
		now := db.now().UTC()
		if err := db.closeSuperseded(ctx, tx, h.tickets, c, now); err != nil {
			return err
		}
		id, err = db.openTicket(ctx, tx, installationID, c, domain.ActorName(ctx), first, now)
		return err
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return db.Ticket(ctx, id)
}

// closeSuperseded closes, with a system message, the open tickets that
// opening a ticket of category c makes pointless.
func (db *DB) closeSuperseded(ctx context.Context, tx *sql.Tx, tickets []domain.Ticket, c domain.TicketCategory, now time.Time) error {
	for _, t := range tickets {
		if t.Open() && slices.Contains(domain.SupersededOnOpen(c), t.Category) {
			if err := db.closeBySystem(ctx, tx, t.ID, domain.MessageSuperseded, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeBySystem closes a ticket with a last message saying why.
func (db *DB) closeBySystem(ctx context.Context, tx *sql.Tx, ticketID int64, why string, now time.Time) error {
	if _, err := db.insertMessage(ctx, tx, ticketID, domain.SystemSender, why, now); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET closed_by = $1, closed_at = $2 WHERE id = $3`, domain.SystemSender, now, ticketID)
	return err
}

// lockedHome is an installation locked for a ticket workflow, with its
// patient's key and its tickets as they are under the lock.
type lockedHome struct {
	installationID, patientID int64
	keyID                     sql.NullInt64 // NULL once shredded
	home                      domain.Home
	tickets                   []domain.Ticket
}

// homeForUpdate locks an installation and its patient (every ticket
// workflow takes this lock first, so they never deadlock on each other)
// and reads its tickets. what names the missing resource.
func (db *DB) homeForUpdate(ctx context.Context, tx *sql.Tx, where string, id int64, what string) (lockedHome, error) {
	var h lockedHome
	var withdrawn, start, end sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT i.id, i.patient_id, p.data_key_id, p.withdrawn_at, i.collection_start, i.collection_end
		FROM installations i JOIN patients p ON p.id = i.patient_id`+where+db.dialect.forUpdate, id).
		Scan(&h.installationID, &h.patientID, &h.keyID, &withdrawn, &start, &end)
	if err != nil {
		return h, notFound(err, what)
	}
	if h.tickets, err = db.ticketRows(ctx, tx, ` WHERE t.installation_id = $1`, h.installationID); err != nil {
		return h, err
	}
	inst := domain.Installation{CollectionStart: timePtr(start), CollectionEnd: timePtr(end)}
	h.home = domain.HomeOf(inst, h.tickets, withdrawn.Valid)
	return h, nil
}

// ticketForUpdate locks a ticket's installation (see homeForUpdate) and
// returns the ticket as it is under the lock.
func (db *DB) ticketForUpdate(ctx context.Context, tx *sql.Tx, ticketID int64) (domain.Ticket, lockedHome, error) {
	var installationID int64
	if err := tx.QueryRowContext(ctx, `SELECT installation_id FROM tickets WHERE id = $1`, ticketID).Scan(&installationID); err != nil {
		return domain.Ticket{}, lockedHome{}, notFound(err, "ticket")
	}
	h, err := db.homeForUpdate(ctx, tx, ` WHERE i.id = $1`, installationID, "ticket")
	if err != nil {
		return domain.Ticket{}, h, err
	}
	for _, t := range h.tickets {
		if t.ID == ticketID {
			return t, h, nil
		}
	}
	return domain.Ticket{}, h, domainNotFound("ticket")
}

func (db *DB) openTicket(ctx context.Context, tx *sql.Tx, installationID int64, c domain.TicketCategory, by, first string, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO tickets (installation_id, category, opened_by, opened_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		installationID, c, by, now).Scan(&id)
	if err != nil {
		return 0, err
	}
	_, err = db.insertMessage(ctx, tx, id, by, first, now)
	return id, err
}

// insertMessage stores a message with its author's class: written blind
// when the sender is the caller and the caller does not see identity;
// the system's own messages never are.
func (db *DB) insertMessage(ctx context.Context, tx *sql.Tx, ticketID int64, sender, body string, now time.Time) (int64, error) {
	key, err := db.ticketKey(ctx, tx, ticketID)
	if err != nil {
		return 0, err
	}
	blind := sender != domain.SystemSender && writtenBlind(ctx)
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO ticket_messages (ticket_id, sender, sealed, created_at, written_blind) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		ticketID, sender, key.Seal(labelMessage, []byte(body)), now, blind).Scan(&id)
	return id, err
}

// writtenBlind reports whether what the caller writes is written blind:
// the caller is a user whose roles do not see identity. Without a
// principal the writer is the system, whose text is redacted.
func writtenBlind(ctx context.Context) bool {
	p, ok := domain.PrincipalFrom(ctx)
	return ok && !access.SeesIdentity(p.Roles)
}

const ticketQuery = `SELECT t.id, t.installation_id, i.patient_id, t.category, t.opened_by, t.opened_at, t.closed_by, t.closed_at
	FROM tickets t JOIN installations i ON i.id = t.installation_id`

func scanTicket(s scanner) (domain.Ticket, error) {
	var t domain.Ticket
	var closedBy sql.NullString
	var closedAt sql.NullTime
	err := s.Scan(&t.ID, &t.InstallationID, &t.PatientID, &t.Category, &t.OpenedBy, &t.OpenedAt, &closedBy, &closedAt)
	t.ClosedBy, t.ClosedAt = closedBy.String, timePtr(closedAt)
	return t, err
}

// ticketRows lists tickets without messages.
func (db *DB) ticketRows(ctx context.Context, q querier, where string, args ...any) ([]domain.Ticket, error) {
	return queryAll(ctx, q, scanTicket, ticketQuery+where+` ORDER BY t.id`, args...)
}

// Ticket returns a ticket with its decrypted thread.
func (db *DB) Ticket(ctx context.Context, id int64) (domain.Ticket, error) {
	var t domain.Ticket
	err := db.inReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = scanTicket(tx.QueryRowContext(ctx, ticketQuery+` WHERE t.id = $1`, id)); err != nil {
			return notFound(err, "ticket")
		}
		t.Messages, err = db.messages(ctx, tx, id)
		return err
	})
	return t, err
}

// Tickets returns an installation's tickets with their threads.
func (db *DB) Tickets(ctx context.Context, installationID int64) ([]domain.Ticket, error) {
	var out []domain.Ticket
	err := db.inReadTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM installations WHERE id = $1`, installationID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return domainNotFound("installation")
		}
		var err error
		if out, err = db.ticketRows(ctx, tx, ` WHERE t.installation_id = $1`, installationID); err != nil {
			return err
		}
		for i := range out {
			if out[i].Messages, err = db.messages(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (db *DB) messages(ctx context.Context, q querier, ticketID int64) ([]domain.Message, error) {
	type row struct {
		m      domain.Message
		sealed []byte
	}
	stored, err := queryAll(ctx, q, func(s scanner) (row, error) {
		r := row{m: domain.Message{TicketID: ticketID}}
		return r, s.Scan(&r.m.ID, &r.m.Sender, &r.sealed, &r.m.CreatedAt, &r.m.WrittenBlind)
	}, `SELECT id, sender, sealed, created_at, written_blind FROM ticket_messages WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Message, 0, len(stored))
	if len(stored) == 0 {
		return out, nil
	}
	key, err := db.ticketKey(ctx, q, ticketID)
	if err != nil {
		return nil, err
	}
	for _, r := range stored {
		body, err := key.Open(labelMessage, r.sealed)
		if err != nil {
			return nil, err
		}
		r.m.Body = string(body)
		out = append(out, r.m)
	}
	return out, nil
}

// AddMessage appends a message to an open ticket's thread.
func (db *DB) AddMessage(ctx context.Context, ticketID int64, body string) (domain.Message, error) {
	body, err := domain.ValidateMessageBody("body", body)
	if err != nil {
		return domain.Message{}, err
	}
	m := domain.Message{TicketID: ticketID, Sender: domain.ActorName(ctx), Body: body, CreatedAt: db.now().UTC()}
	m.WrittenBlind = m.Sender != domain.SystemSender && writtenBlind(ctx)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		t, _, err := db.ticketForUpdate(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if !t.Open() {
			return domain.Conflict("the ticket is closed")
		}
		m.ID, err = db.insertMessage(ctx, tx, ticketID, m.Sender, body, m.CreatedAt)
		return err
	})
	return m, err
}

// CloseTicket closes a ticket and sets the installation's collection
// dates as its category requires (domain.CollectionOnClose). Closing the
// uninstallation ticket of a withdrawn patient means the kit is back: what
// was kept for the retrieval is shredded and the master key rotated.
func (db *DB) CloseTicket(ctx context.Context, ticketID int64) (domain.Ticket, error) {
	now := db.now().UTC()
	var closed domain.Ticket
	shredded := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t, h, err := db.ticketForUpdate(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if !t.Open() {
			return domain.Conflict("the ticket is already closed")
		}
		start, end, err := domain.CollectionOnClose(h.home, t.Category, now)
		if err != nil {
			return err
		}
		t.ClosedBy, t.ClosedAt = domain.ActorName(ctx), &now
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET closed_by = $1, closed_at = $2 WHERE id = $3`, t.ClosedBy, now, ticketID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE installations SET collection_start = $1, collection_end = $2, updated_at = $3 WHERE id = $4`,
			nullTime(start), nullTime(end), now, t.InstallationID); err != nil {
			return err
		}
		closed = t
		if !h.home.Withdrawn || t.Category != domain.CategoryUninstallation {
			return nil
		}
		shredded = true
		return db.shred(ctx, tx, h.patientID, h.keyID.Int64, now)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	if shredded {
		closed.Messages = []domain.Message{} // shredded with the rest
		return closed, db.rotateAfterShred(ctx)
	}
	return db.Ticket(ctx, ticketID)
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

// ticketKey returns the data key of the patient a ticket concerns.
func (db *DB) ticketKey(ctx context.Context, q querier, ticketID int64) (keyring.Key, error) {
	var keyID sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT p.data_key_id FROM tickets t JOIN installations i ON i.id = t.installation_id
		JOIN patients p ON p.id = i.patient_id WHERE t.id = $1`, ticketID).Scan(&keyID)
	if err != nil {
		return keyring.Key{}, notFound(err, "ticket")
	}
	if !keyID.Valid {
		return keyring.Key{}, domain.Conflict("the ticket belongs to a withdrawn patient")
	}
	return db.dataKey(ctx, q, keyID.Int64)
}
