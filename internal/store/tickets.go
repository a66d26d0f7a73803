package store

import (
	"context"
	"database/sql"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const labelMessage = "ticket.message"

// OpenTicket opens a ticket with a first message. At most one ticket of
// each category is open on an installation at a time.
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
		if _, _, err := db.installationKeyForUpdate(ctx, tx, installationID); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE installation_id = $1 AND category = $2 AND closed_at IS NULL`,
			installationID, c).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return domain.Conflict("the installation already has an open %s ticket", c)
		}
		id, err = db.openTicket(ctx, tx, installationID, c, domain.ActorName(ctx), first, db.now().UTC())
		return err
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return db.Ticket(ctx, id)
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

func (db *DB) insertMessage(ctx context.Context, tx *sql.Tx, ticketID int64, sender, body string, now time.Time) (int64, error) {
	key, err := db.ticketKey(ctx, tx, ticketID)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO ticket_messages (ticket_id, sender, sealed, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		ticketID, sender, key.Seal(labelMessage, []byte(body)), now).Scan(&id)
	return id, err
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
		return r, s.Scan(&r.m.ID, &r.m.Sender, &r.sealed, &r.m.CreatedAt)
	}, `SELECT id, sender, sealed, created_at FROM ticket_messages WHERE ticket_id = $1 ORDER BY id`, ticketID)
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
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		t, err := scanTicket(tx.QueryRowContext(ctx, ticketQuery+` WHERE t.id = $1`+db.dialect.forUpdate, ticketID))
		if err != nil {
			return notFound(err, "ticket")
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
// dates as its category requires.
func (db *DB) CloseTicket(ctx context.Context, ticketID int64) (domain.Ticket, error) {
	now := db.now().UTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t, err := scanTicket(tx.QueryRowContext(ctx, ticketQuery+` WHERE t.id = $1`+db.dialect.forUpdate, ticketID))
		if err != nil {
			return notFound(err, "ticket")
		}
		if !t.Open() {
			return domain.Conflict("the ticket is already closed")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET closed_by = $1, closed_at = $2 WHERE id = $3`, domain.ActorName(ctx), now, ticketID); err != nil {
			return err
		}
		return db.applyClose(ctx, tx, t, now)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return db.Ticket(ctx, ticketID)
}

func (db *DB) applyClose(ctx context.Context, tx *sql.Tx, t domain.Ticket, now time.Time) error {
	var start, end sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT collection_start, collection_end FROM installations WHERE id = $1`, t.InstallationID).Scan(&start, &end); err != nil {
		return err
	}
	s, e := domain.CollectionDatesOnClose(t.Category, now, timePtr(start), timePtr(end))
	_, err := tx.ExecContext(ctx, `UPDATE installations SET collection_start = $1, collection_end = $2, updated_at = $3 WHERE id = $4`,
		nullTime(s), nullTime(e), now, t.InstallationID)
	return err
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
