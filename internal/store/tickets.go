package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const labelMessage = "ticket.message"

// openTicket inserts a ticket with its first message. The unique index
// on open tickets refuses a second open ticket of a category.
func (db *DB) openTicket(ctx context.Context, tx *sql.Tx, installationID int64, t NewTicket, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO tickets (installation_id, category, opened_by, opened_at, last_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		installationID, t.Category, t.By, now).Scan(&id)
	if isUniqueViolation(err) {
		return 0, domain.Conflict("a %s ticket is already open", t.Category)
	}
	if err != nil {
		return 0, fmt.Errorf("insert ticket: %w", err)
	}
	var patientID int64
	if err := tx.QueryRowContext(ctx, `SELECT patient_id FROM installations WHERE id = $1`, installationID).Scan(&patientID); err != nil {
		return 0, fmt.Errorf("ticket's patient: %w", err)
	}
	if err := db.writeTicketKeys(ctx, tx, id, patientID); err != nil {
		return 0, err
	}
	_, err = db.insertMessage(ctx, tx, NewMessage{TicketID: id, Sender: t.By, Body: t.Message, Blind: t.Blind}, now)
	return id, err
}

// insertMessage seals and stores a message under the ticket's patient key.
func (db *DB) insertMessage(ctx context.Context, tx *sql.Tx, m NewMessage, now time.Time) (int64, error) {
	key, err := db.ticketKey(ctx, tx, m.TicketID)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO ticket_messages (ticket_id, sender, sealed, created_at, written_blind) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		m.TicketID, m.Sender, key.Seal(labelMessage, []byte(m.Body)), now, m.Blind).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	return id, nil
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
	err := db.inReadTx(ctx, "ticket", func(tx *sql.Tx) error {
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
	err := db.inReadTx(ctx, "tickets", func(tx *sql.Tx) error {
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
