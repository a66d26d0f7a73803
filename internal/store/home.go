package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"serenade/internal/domain"
)

// LockedHome is an installation as a workflow sees it under its lock:
// its patient, its tickets and the time the transaction writes.
type LockedHome struct {
	InstallationID, PatientID int64
	Home                      domain.Home
	Tickets                   []domain.Ticket
	Now                       time.Time
	keyID                     sql.NullInt64 // the patient's data key; NULL once shredded
}

// NewTicket is a ticket to open, with its first message.
type NewTicket struct {
	Category domain.TicketCategory
	By       string // the opener, also the first message's sender
	Message  string
	Blind    bool // the first message is written blind (see domain.Message)
}

// NewMessage is a message to append to a ticket's thread.
type NewMessage struct {
	TicketID int64
	Sender   string
	Body     string
	Blind    bool
}

// TicketClose closes a ticket; Note, when set, is a last message by By.
type TicketClose struct {
	ID   int64
	By   string
	Note string
}

// Collection is an installation's data-collection period.
type Collection struct{ Start, End *time.Time }

// HomeChange is what a workflow writes under the lock, as the service
// decided it. It is applied in this order: closes, messages, the new
// ticket, the collection dates, then the withdrawal's erasure.
type HomeChange struct {
	Close      []TicketClose
	Messages   []NewMessage
	Open       *NewTicket
	Collection *Collection
	// Correction records why the collection dates changed (with
	// Collection; the dates before are the home's under the lock).
	Correction *Correction
	// Withdraw marks the patient withdrawn and keeps, until the kit is
	// back, only what its retrieval needs, re-sealed under a fresh data
	// key (the old one is destroyed).
	Withdraw bool
	// Shred erases what is left of a withdrawn patient with its data key
	// (crypto-shredding), under the configured withdrawal policy.
	Shred bool
	// RevokeIngestTokens revokes every live ingest token of the
	// installation: its gateway may write no more readings.
	RevokeIngestTokens bool
}

// Applied is what applying a HomeChange did.
type Applied struct {
	Opened, Message int64 // the new ticket's and the last new message's ids
	// KeyDestroyed says a patient data key was destroyed: the master key
	// rotation that must follow is recorded (RotateIfDue carries it out).
	KeyDestroyed bool
}

// HomeOf selects the installation a workflow locks.
type HomeOf struct {
	InstallationID, PatientID, TicketID int64 // exactly one is set
}

// UpdateHome runs one workflow on an installation in one transaction: it
// locks the installation and its patient (every ticket workflow takes this
// lock first, so they never deadlock on each other), hands plan the home as
// it is under the lock, and writes the change plan returns. The store
// decides nothing: plan holds the rules.
func (db *DB) UpdateHome(ctx context.Context, of HomeOf, plan func(LockedHome) (HomeChange, error)) (Applied, error) {
	var done Applied
	err := db.inTx(ctx, "update home", func(tx *sql.Tx) error {
		h, err := db.lockHome(ctx, tx, of)
		if err != nil {
			return err
		}
		change, err := plan(h)
		if err != nil {
			return err
		}
		if done, err = db.applyHome(ctx, tx, h, change); err != nil {
			return err
		}
		return db.refreshActivity(ctx, tx, h.PatientID)
	})
	return done, err
}

// lockHome locks the selected installation; a missing one is not found
// under the name the caller asked by.
func (db *DB) lockHome(ctx context.Context, tx *sql.Tx, of HomeOf) (LockedHome, error) {
	switch {
	case of.TicketID != 0:
		var installationID int64
		err := tx.QueryRowContext(ctx, `SELECT installation_id FROM tickets WHERE id = $1`, of.TicketID).Scan(&installationID)
		if err != nil {
			return LockedHome{}, notFound(err, "ticket")
		}
		return db.homeForUpdate(ctx, tx, ` WHERE i.id = $1`, installationID, "ticket")
	case of.PatientID != 0:
		return db.homeForUpdate(ctx, tx, ` WHERE i.patient_id = $1`, of.PatientID, "patient")
	}
	return db.homeForUpdate(ctx, tx, ` WHERE i.id = $1`, of.InstallationID, "installation")
}

// applyHome writes a change in its fixed order.
func (db *DB) applyHome(ctx context.Context, tx *sql.Tx, h LockedHome, c HomeChange) (Applied, error) {
	if c.Withdraw || c.Shred {
		if !h.keyID.Valid {
			return Applied{}, domain.Conflict("the patient's data is already erased")
		}
		// The re-seal or the rotation would fail half-way.
		if err := db.requireVerifiedKey(ctx, tx); err != nil {
			return Applied{}, err
		}
	}
	done, err := db.applyTickets(ctx, tx, h, c)
	if err != nil {
		return done, err
	}
	if c.Collection != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE installations SET collection_start = $1, collection_end = $2, updated_at = $3 WHERE id = $4`,
			nullTime(c.Collection.Start), nullTime(c.Collection.End), h.Now, h.InstallationID); err != nil {
			return done, fmt.Errorf("collection dates: %w", err)
		}
		if c.Correction != nil {
			if err := db.insertCorrection(ctx, tx, h, *c.Collection, *c.Correction); err != nil {
				return done, fmt.Errorf("collection correction: %w", err)
			}
		}
	}
	if c.RevokeIngestTokens {
		if err := db.revokeInstallationTokens(ctx, tx, h.InstallationID, h.Now); err != nil {
			return done, fmt.Errorf("revoke ingest tokens: %w", err)
		}
	}
	switch {
	case c.Shred:
		done.KeyDestroyed = true
		return done, db.shred(ctx, tx, h.PatientID, h.keyID.Int64, h.Now)
	case c.Withdraw:
		done.KeyDestroyed = true
		return done, db.keepForRetrieval(ctx, tx, h, h.Now)
	}
	return done, nil
}

// applyTickets closes tickets, appends messages and opens the new ticket.
func (db *DB) applyTickets(ctx context.Context, tx *sql.Tx, h LockedHome, c HomeChange) (Applied, error) {
	var done Applied
	for _, cl := range c.Close {
		if err := db.closeTicket(ctx, tx, cl, h.Now); err != nil {
			return done, err
		}
	}
	for _, m := range c.Messages {
		id, err := db.insertMessage(ctx, tx, m, h.Now)
		if err != nil {
			return done, err
		}
		done.Message = id
	}
	if c.Open != nil {
		id, err := db.openTicket(ctx, tx, h.InstallationID, *c.Open, h.Now)
		if err != nil {
			return done, err
		}
		done.Opened = id
	}
	return done, nil
}

// closeTicket closes a ticket, after its last message if it has one.
func (db *DB) closeTicket(ctx context.Context, tx *sql.Tx, c TicketClose, now time.Time) error {
	if c.Note != "" {
		if _, err := db.insertMessage(ctx, tx, NewMessage{TicketID: c.ID, Sender: c.By, Body: c.Note}, now); err != nil {
			return err
		}
	}
	err := expectOne(tx.ExecContext(ctx, `UPDATE tickets SET closed_by = $1, closed_at = $2 WHERE id = $3 AND closed_at IS NULL`, c.By, now, c.ID))
	if err == errNoRow {
		return domain.Conflict("the ticket is already closed")
	}
	return err
}

// homeForUpdate locks an installation and its patient and reads its
// tickets. what names the missing resource.
func (db *DB) homeForUpdate(ctx context.Context, tx *sql.Tx, where string, id int64, what string) (LockedHome, error) {
	h := LockedHome{Now: db.now().UTC()}
	var withdrawn, start, end sql.NullTime
	var dateJoin time.Time
	err := tx.QueryRowContext(ctx, `SELECT i.id, i.patient_id, p.data_key_id, p.withdrawn_at, i.collection_start, i.collection_end, p.date_join
		FROM installations i JOIN patients p ON p.id = i.patient_id`+where+db.dialect.forUpdate, id).
		Scan(&h.InstallationID, &h.PatientID, &h.keyID, &withdrawn, &start, &end, &dateJoin)
	if err != nil {
		return h, notFound(err, what)
	}
	if h.Tickets, err = db.ticketRows(ctx, tx, ` WHERE t.installation_id = $1`, h.InstallationID); err != nil {
		return h, err
	}
	inst := domain.Installation{CollectionStart: timePtr(start), CollectionEnd: timePtr(end)}
	h.Home = domain.HomeOf(inst, h.Tickets, withdrawn.Valid)
	h.Home.DateJoin = dateJoin.UTC()
	return h, nil
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}
