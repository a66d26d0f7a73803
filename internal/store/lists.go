package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"serenade/internal/domain"
)

// Lists that scale: a list reads the entries of every row its filter
// keeps (ids, dates, derived status, last activity; nothing sealed), the
// caller orders and pages them, and reads only the page's rows in full
// (PatientsByID, InstallationsByID), decrypting at most a page.

// openFlags aggregates, per installation, which categories have an open
// and which a closed ticket: what domain.DeriveStatus reads.
const openFlags = `SELECT installation_id,
	MAX(CASE WHEN closed_at IS NULL AND category = 'uninstallation' THEN 1 ELSE 0 END) AS ou,
	MAX(CASE WHEN closed_at IS NULL AND category = 'installation' THEN 1 ELSE 0 END) AS oi,
	MAX(CASE WHEN closed_at IS NULL AND category = 'maintenance' THEN 1 ELSE 0 END) AS om,
	MAX(CASE WHEN closed_at IS NOT NULL AND category = 'uninstallation' THEN 1 ELSE 0 END) AS cu,
	MAX(CASE WHEN closed_at IS NOT NULL AND category = 'installation' THEN 1 ELSE 0 END) AS ci
	FROM tickets`

const byInstallation = ` GROUP BY installation_id`

// newestMessage is, per installation, the id of its newest message.
const newestMessage = `SELECT t.installation_id, MAX(m.id) AS last_id
	FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id GROUP BY t.installation_id`

// identityVersion is the seal's version byte and nonce: new at every
// sealing of the identity, NULL once shredded.
const identityVersion = `substr(p.sealed, 1, 13)`

// entryQuery reads entries without their activity; activityJoins adds
// it (over every ticket and message: only when the whole list is sorted
// or filtered by it).
const (
	entryColumns  = `SELECT p.id, i.id, %s, p.withdrawn_at IS NOT NULL, ` + identityVersion
	entryFrom     = ` FROM patients p LEFT JOIN installations i ON i.patient_id = p.id`
	activityCols  = `, f.ou, f.oi, f.om, f.cu, f.ci, %s`
	activityJoins = ` LEFT JOIN (` + openFlags + byInstallation + `) f ON f.installation_id = i.id
	LEFT JOIN (` + newestMessage + `) l ON l.installation_id = i.id
	LEFT JOIN ticket_messages lm ON lm.id = l.last_id`
)

func scanEntry(s scanner) (domain.ListEntry, error) {
	var e domain.ListEntry
	var inst sql.NullInt64
	var version []byte
	var joined *time.Time
	err := s.Scan(&e.PatientID, &inst, timeScan{&joined}, &e.Withdrawn, &version)
	e.InstallationID, e.IdentityVersion = inst.Int64, string(version)
	if joined != nil {
		e.DateJoin = joined.UTC()
	}
	return e, err
}

func scanEntryWithActivity(s scanner) (domain.ListEntry, error) {
	var e domain.ListEntry
	var inst sql.NullInt64
	var version []byte
	var flags [5]sql.NullInt64
	var joined *time.Time
	err := s.Scan(&e.PatientID, &inst, timeScan{&joined}, &e.Withdrawn, &version,
		&flags[0], &flags[1], &flags[2], &flags[3], &flags[4], timeScan{&e.LastMessageAt})
	e.InstallationID, e.IdentityVersion = inst.Int64, string(version)
	if joined != nil {
		e.DateJoin = joined.UTC()
	}
	e.Status = statusOfFlags(flags)
	return e, err
}

// statusOfFlags derives the status from the aggregated flags by the one
// rule (domain.DeriveStatus), given one ticket per flag set.
func statusOfFlags(f [5]sql.NullInt64) domain.InstallationStatus {
	closed := time.Unix(0, 0)
	kinds := []struct {
		c    domain.TicketCategory
		open bool
	}{{domain.CategoryUninstallation, true}, {domain.CategoryInstallation, true}, {domain.CategoryMaintenance, true},
		{domain.CategoryUninstallation, false}, {domain.CategoryInstallation, false}}
	var ts []domain.Ticket
	for i, k := range kinds {
		if f[i].Int64 == 1 {
			t := domain.Ticket{Category: k.c}
			if !k.open {
				t.ClosedAt = &closed
			}
			ts = append(ts, t)
		}
	}
	return domain.DeriveStatus(ts)
}

// ListEntries returns the entry of every patient the filter keeps
// (withdrawn ones included): in no particular order, or with f.Limit
// the first f.Limit in id order after f.AfterID.
func (db *DB) ListEntries(ctx context.Context, f domain.ListFilter) ([]domain.ListEntry, error) {
	columns := fmt.Sprintf(entryColumns, db.textTime("p.date_join"))
	q, scan := columns+entryFrom, scanEntry
	if f.WithActivity {
		q, scan = columns+fmt.Sprintf(activityCols, db.textTime("lm.created_at"))+entryFrom+activityJoins, scanEntryWithActivity
	}
	where, args := db.searchWhere(f, 0)
	if f.Limit > 0 {
		args = append(args, f.AfterID)
		where = strings.TrimPrefix(where+fmt.Sprintf(` AND p.id > $%d`, len(args)), " AND ")
	}
	if where != "" {
		q += ` WHERE ` + where
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(` ORDER BY p.id LIMIT %d`, f.Limit)
	}
	var out []domain.ListEntry
	err := db.inReadTx(ctx, "list entries", func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scan, q, args...)
		return err
	})
	return out, err
}

// Activity fills the status and newest message of entries read without
// them, reading only their installations' tickets and messages.
func (db *DB) Activity(ctx context.Context, es []domain.ListEntry) error {
	var ids []int64
	for _, e := range es {
		if e.InstallationID != 0 {
			ids = append(ids, e.InstallationID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(ids)
	type activity struct {
		id    int64
		flags [5]sql.NullInt64
		last  *time.Time
	}
	var rows []activity
	err := db.inReadTx(ctx, "activity", func(tx *sql.Tx) error {
		var err error
		rows, err = queryAll(ctx, tx, func(s scanner) (activity, error) {
			var a activity
			return a, s.Scan(&a.id, &a.flags[0], &a.flags[1], &a.flags[2], &a.flags[3], &a.flags[4], timeScan{&a.last})
		}, `SELECT i.id`+fmt.Sprintf(activityCols, db.textTime("lm.created_at"))+` FROM installations i
			LEFT JOIN (`+openFlags+` WHERE installation_id IN (`+in+`)`+byInstallation+`) f ON f.installation_id = i.id
			LEFT JOIN (SELECT t.installation_id, MAX(m.id) AS last_id FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
				WHERE t.installation_id IN (`+in+`) GROUP BY t.installation_id) l ON l.installation_id = i.id
			LEFT JOIN ticket_messages lm ON lm.id = l.last_id WHERE i.id IN (`+in+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	byID := make(map[int64]activity, len(rows))
	for _, a := range rows {
		byID[a.id] = a
	}
	for i := range es {
		if a, ok := byID[es[i].InstallationID]; ok {
			es[i].Status, es[i].LastMessageAt = statusOfFlags(a.flags), a.last
		}
	}
	return nil
}

const ticketEntryQuery = `SELECT t.id, t.installation_id, i.patient_id, t.category, t.opened_by, %s, t.closed_by, %s,
	COALESCE(c.n, 0), lm.sender, %s, ` + identityVersion + `
	FROM tickets t JOIN installations i ON i.id = t.installation_id JOIN patients p ON p.id = i.patient_id
	LEFT JOIN (SELECT ticket_id, COUNT(*) AS n, MAX(id) AS last_id FROM ticket_messages GROUP BY ticket_id) c ON c.ticket_id = t.id
	LEFT JOIN ticket_messages lm ON lm.id = c.last_id`

func scanTicketEntry(s scanner) (domain.TicketEntry, error) {
	var e domain.TicketEntry
	var closedBy, sender sql.NullString
	var opened, last *time.Time
	var version []byte
	err := s.Scan(&e.ID, &e.InstallationID, &e.PatientID, &e.Category, &e.OpenedBy, timeScan{&opened}, &closedBy, timeScan{&e.ClosedAt},
		&e.MessageCount, &sender, timeScan{&last}, &version)
	e.ClosedBy, e.LastSender, e.IdentityVersion = closedBy.String, sender.String, string(version)
	if opened != nil {
		e.OpenedAt = *opened
	}
	e.LastAt = e.OpenedAt
	for _, t := range []*time.Time{last, e.ClosedAt} {
		if t != nil && t.After(e.LastAt) {
			e.LastAt = *t
		}
	}
	return e, err
}

// TicketEntries returns every ticket the filter keeps, across
// installations, without threads, in no particular order.
func (db *DB) TicketEntries(ctx context.Context, f domain.TicketFilter) ([]domain.TicketEntry, error) {
	var conds []string
	var args []any
	if f.Open != nil {
		conds = append(conds, map[bool]string{true: `t.closed_at IS NULL`, false: `t.closed_at IS NOT NULL`}[*f.Open])
	}
	if f.Category != "" {
		args = append(args, string(f.Category))
		conds = append(conds, fmt.Sprintf(`t.category = $%d`, len(args)))
	}
	if f.InstallationID != 0 {
		args = append(args, f.InstallationID)
		conds = append(conds, fmt.Sprintf(`t.installation_id = $%d`, len(args)))
	}
	q := fmt.Sprintf(ticketEntryQuery, db.textTime("t.opened_at"), db.textTime("t.closed_at"), db.textTime("lm.created_at"))
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	var out []domain.TicketEntry
	err := db.inReadTx(ctx, "ticket entries", func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, scanTicketEntry, q, args...)
		return err
	})
	return out, err
}

// inList is "$n+1, $n+2, …" for ids, with ids as arguments.
func inList(ids []int64) (string, []any) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	return strings.Join(ph, ", "), args
}

// PatientsByID returns the patients with these ids, decrypted, in the
// order of ids; ids that name no patient are left out.
func (db *DB) PatientsByID(ctx context.Context, ids []int64) ([]domain.Patient, error) {
	out := make([]domain.Patient, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	err := db.inReadTx(ctx, "patients by id", func(tx *sql.Tx) error {
		stored, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+` WHERE p.id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		contacts, err := queryAll(ctx, tx, scanSealedContact, contactQuery+` WHERE patient_id IN (`+in+`) ORDER BY id`, args...)
		if err != nil {
			return err
		}
		byPatient := map[int64][]sealedContact{}
		for _, c := range contacts {
			byPatient[c.patientID] = append(byPatient[c.patientID], c)
		}
		found := make(map[int64]domain.Patient, len(stored))
		for _, r := range stored {
			if found[r.id], err = db.decryptPatient(ctx, tx, r, byPatient[r.id]); err != nil {
				return err
			}
		}
		out = inOrder(ids, found, out)
		return nil
	})
	return out, err
}

// InstallationsByID returns the installations with these ids, with
// their derived status, in the order of ids; unknown ids are left out.
func (db *DB) InstallationsByID(ctx context.Context, ids []int64) ([]domain.Installation, error) {
	out := make([]domain.Installation, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	err := db.inReadTx(ctx, "installations by id", func(tx *sql.Tx) error {
		stored, err := queryAll(ctx, tx, scanInstallation, installationQuery+` WHERE i.id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		tickets, err := db.ticketRows(ctx, tx, ` WHERE t.installation_id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		byInstallation := map[int64][]domain.Ticket{}
		for _, t := range tickets {
			byInstallation[t.InstallationID] = append(byInstallation[t.InstallationID], t)
		}
		found := make(map[int64]domain.Installation, len(stored))
		for _, r := range stored {
			if found[r.ID], err = db.decryptInstallation(r, byInstallation[r.ID]); err != nil {
				return err
			}
		}
		out = inOrder(ids, found, out)
		return nil
	})
	return out, err
}

// inOrder appends found's values to out in the order of ids.
func inOrder[T any](ids []int64, found map[int64]T, out []T) []T {
	for _, id := range ids {
		if v, ok := found[id]; ok {
			out = append(out, v)
		}
	}
	return out
}
