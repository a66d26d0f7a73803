package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/textfold"
)

// Sort keys (table sort_keys, migration 00012): roles that do not see
// ids have their lists ordered by what they are shown, the patient's
// nickname in their role, then by a tiebreaker of their own
// (pseudonym.Codec.SortTag: keyed per role, as arbitrary as their
// pseudonyms, never their pseudonyms, which the database must not hold).
// To order those lists in SQL, the store keeps, per such role, each
// patient's and each installation's (folded nickname, sort tag) and each
// ticket's sort tag, computed from the server key in the transaction
// that seals the names they depend on (enrolment, identity change,
// withdrawal) or opens the ticket. Each row is one role's value, so the
// table joins no two roles.

// sortKeyRoles are the roles lists are ordered for by stored keys: every
// role (the store knows no access policy; the rows of roles that see ids
// are simply never read).
var sortKeyRoles = domain.AllRoles

// Kinds of rows in sort_keys.
const (
	sortPatient      = "patient"
	sortInstallation = "installation"
	sortTicket       = "ticket"
)

// codec is the per-role pseudonym codec of the server key.
func (db *DB) codec() *pseudonym.Codec {
	db.codecOnce.Do(func() { db.pseudonyms = pseudonym.New(db.pseudonymKey) })
	return db.pseudonyms
}

// writeSortKeys replaces the sort keys of a patient and of its
// installation, if it has one, by those of the names first and last
// (none, once shredded): a nickname avoids the patient's own names. The
// rows carry their heads, from the patient's stored values. Every
// sealing of the names comes here, so the names this process cached for
// the order by surname (namesort.go) go now rather than at the next list.
func (db *DB) writeSortKeys(ctx context.Context, tx *sql.Tx, patientID int64, first, last string) error {
	db.names.forget(patientID)
	var inst sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id FROM installations WHERE patient_id = $1`, patientID).Scan(&inst)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sort keys: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sort_keys WHERE patient_id = $1 AND kind <> $2`, patientID, sortTicket); err != nil {
		return fmt.Errorf("sort keys: %w", err)
	}
	heads, ok, err := db.patientHeads(ctx, tx, patientID)
	if !ok || err != nil {
		return err
	}
	c := db.codec()
	var rows [][]any
	for _, role := range sortKeyRoles {
		nick := textfold.Fold(c.Nickname(role, patientID, first, last))
		rows = append(rows, []any{string(role), sortPatient, patientID, patientID, nick, c.SortTag(role, resource.Patient, patientID)})
		if inst.Valid {
			rows = append(rows, []any{string(role), sortInstallation, inst.Int64, patientID, nick, c.SortTag(role, resource.Installation, inst.Int64)})
		}
	}
	return insertSortKeys(ctx, tx, rows, heads)
}

// writeTicketKeys stores a new ticket's sort tag in every role, with
// its heads.
func (db *DB) writeTicketKeys(ctx context.Context, tx *sql.Tx, ticketID, patientID int64) error {
	heads, err := db.ticketHeads(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	var rows [][]any
	for _, role := range sortKeyRoles {
		rows = append(rows, []any{string(role), sortTicket, ticketID, patientID, "", db.codec().SortTag(role, resource.Ticket, ticketID)})
	}
	return insertSortKeys(ctx, tx, rows, heads)
}

// insertSortKeys inserts rows of (role, kind, id, patient_id, nickname,
// tag), each with the heads h, in one statement.
func insertSortKeys(ctx context.Context, tx *sql.Tx, rows [][]any, h headValues) error {
	if len(rows) == 0 {
		return nil
	}
	cols := headColumns()
	values := make([]string, len(rows))
	var args []any
	for i, r := range rows {
		for _, col := range cols {
			r = append(r, h[col])
		}
		ph := make([]string, len(r))
		for j, v := range r {
			args = append(args, v)
			ph[j] = fmt.Sprintf("$%d", len(args))
		}
		values[i] = "(" + strings.Join(ph, ", ") + ")"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sort_keys (role, kind, id, patient_id, nickname, tag, `+strings.Join(cols, ", ")+`) VALUES `+
		strings.Join(values, ", "), args...)
	if err != nil {
		return fmt.Errorf("sort keys: %w", err)
	}
	return nil
}

// fillSortKeys gives the patients and tickets of a database of before
// sort keys existed their keys. It runs at Open; once done it costs two
// queries that find nothing.
func (db *DB) fillSortKeys(ctx context.Context) error {
	return db.inTx(ctx, "fill sort keys", func(tx *sql.Tx) error {
		rows, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+` WHERE NOT EXISTS
			(SELECT 1 FROM sort_keys k WHERE k.patient_id = p.id AND k.kind = '`+sortPatient+`')`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			p, err := db.decryptPatient(ctx, tx, r, nil)
			if err != nil {
				return err
			}
			if err := db.writeSortKeys(ctx, tx, p.ID, p.Identity.FirstName, p.Identity.LastName); err != nil {
				return err
			}
		}
		type ticket struct{ id, patientID int64 }
		tickets, err := queryAll(ctx, tx, func(s scanner) (ticket, error) {
			var t ticket
			return t, s.Scan(&t.id, &t.patientID)
		}, `SELECT t.id, i.patient_id FROM tickets t JOIN installations i ON i.id = t.installation_id
			WHERE NOT EXISTS (SELECT 1 FROM sort_keys k WHERE k.kind = '`+sortTicket+`' AND k.id = t.id)`)
		if err != nil {
			return err
		}
		for _, t := range tickets {
			if err := db.writeTicketKeys(ctx, tx, t.id, t.patientID); err != nil {
				return err
			}
		}
		return nil
	})
}
