package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"serenade/internal/domain"
)

// Lists that scale: a list reads its entries (ids, dates, the stored
// status and last activity; nothing sealed) either one keyset page in
// SQL (an index per order, LIMIT page+1) or, for orders only the caller
// can compute (nicknames), every entry the filter keeps; then it reads
// only the page's rows in full (PatientsByID, InstallationsByID),
// decrypting at most a page.

// identityVersion is the seal's version byte and nonce: new at every
// sealing of the identity, NULL once shredded.
const identityVersion = `substr(p.sealed, 1, 13)`

const (
	entryColumns = `SELECT p.id, i.id, %s, p.withdrawn_at IS NOT NULL, ` + identityVersion + `, p.status, %s`
	entryFrom    = ` FROM patients p LEFT JOIN installations i ON i.patient_id = p.id`
)

func scanEntry(s scanner) (domain.ListEntry, error) {
	var e domain.ListEntry
	var inst sql.NullInt64
	var version []byte
	var joined *time.Time
	err := s.Scan(&e.PatientID, &inst, timeScan{&joined}, &e.Withdrawn, &version, &e.Status, timeScan{&e.LastActivityAt})
	e.InstallationID, e.IdentityVersion = inst.Int64, string(version)
	if joined != nil {
		e.DateJoin = joined.UTC()
	}
	if e.LastActivityAt != nil {
		t := e.LastActivityAt.UTC()
		e.LastActivityAt = &t
	}
	return e, err
}

// ListEntries returns the entries the filter keeps (withdrawn patients
// included unless f.Active): every one in no particular order, or with
// f.Limit the first f.Limit after f.After in f.Order (listorder.go), or
// after f.AfterKey in f.Role's order (roleOrder), or with f.NameKeys
// after f.AfterKey in the order by name (namesort.go).
func (db *DB) ListEntries(ctx context.Context, f domain.ListFilter) ([]domain.ListEntry, error) {
	if f.NameKeys {
		every := f
		every.Limit, every.AfterKey, every.After, every.Role = 0, nil, nil, ""
		st, err := db.listStatement(every)
		if err != nil {
			return nil, err
		}
		return db.namePage(ctx, f, st)
	}
	st, err := db.listStatement(f)
	if err != nil {
		return nil, err
	}
	var out []domain.ListEntry
	err = db.inReadTx(ctx, "list entries", func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, st.scan, st.query, st.args...)
		return err
	})
	return out, err
}

// statement is a list's query, its arguments and its scanner. A page
// is one statement: every order is an index range (listheads.go), so the
// database reads the page's rows in order and stops at the LIMIT, never
// gathering the columns (the identity's version, a slice of the sealed
// blob) of rows it would sort away (TestEveryListPageIsAnIndexRange).
type statement[T any] struct {
	query string
	args  []any
	scan  func(scanner) (T, error)
}

// listStatement is ListEntries' statement for f.
func (db *DB) listStatement(f domain.ListFilter) (statement[domain.ListEntry], error) {
	st := statement[domain.ListEntry]{scan: scanEntry}
	q := fmt.Sprintf(entryColumns, db.textTime("p.date_join"), db.textTime("p.last_activity"))
	where, args := db.searchWhere(f, 0)
	var conds []string
	if where != "" {
		conds = append(conds, where)
	}
	conds = append(conds, listConds(f, &args)...)
	from, tail := entryFrom, ""
	switch {
	case f.Limit > 0 && f.Role != "":
		keys, join := db.roleOrder(f, &args)
		q += ", " + keys.selectList()
		from += join
		if f.AfterKey != nil {
			cond, err := keys.after(f.AfterKey, &args)
			if err != nil {
				return st, err
			}
			conds = append(conds, cond)
		}
		tail, st.scan = keys.orderBy(), scanKeyed(len(keys))
	case f.Limit > 0:
		o := orderOf(f)
		if f.After != nil {
			conds = append(conds, o.after(*f.After, &args))
		}
		tail = o.by
	}
	where = ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += from + where
	if f.Limit > 0 {
		q += tail + fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	st.query, st.args = q, args
	return st, nil
}

// roleOrder is the keyset of f.Role's order of the list (its head, the
// role's nickname and sort tag of the row) and the join of the role's
// sort keys; the role's value is appended to args. The head is the
// stored cut (listheads.go) of the order's time at f.HeadCut, so the
// whole key is one index of sort_keys.
func (db *DB) roleOrder(f domain.ListFilter, args *[]any) (keyset, string) {
	kind, id := sortPatient, "p.id"
	if f.ByInstallation {
		kind, id = sortInstallation, "i.id"
	}
	*args = append(*args, string(f.Role))
	join := fmt.Sprintf(` JOIN sort_keys k ON k.role = $%d AND k.kind = '%s' AND k.id = %s`, len(*args), kind, id)
	var keys keyset
	switch f.Order {
	case domain.OrderDateJoin:
		keys = keyset{headKey(headStart, f.HeadCut, keyCol{expr: db.cutText("p.date_join", f.HeadCut, true)})}
	case domain.OrderDateJoinDesc:
		keys = keyset{headKey(headStartRev, f.HeadCut, keyCol{expr: db.cutText("p.date_join", f.HeadCut, true), desc: true})}
	case domain.OrderLastActivity: // none last
		keys = keyset{headKey(headLastRev, f.HeadCut, keyCol{expr: "COALESCE(" + db.cutText("p.last_activity", f.HeadCut, false) + ", '')", desc: true})}
	case domain.OrderStatus:
		keys = keyset{{expr: "k.status"}}
	}
	return append(keys, keyCol{expr: "k.nickname"}, keyCol{expr: "k.tag"}), join
}

// headKey is the key column of family's stored head at cut c, or
// fallback, an expression over every row, for a cut no head is stored
// at (none that a role without ids is shown; see TestRoleCutsAreStored).
func headKey(family string, c domain.TimeCut, fallback keyCol) keyCol {
	if col, ok := headColumn(family, c); ok {
		return keyCol{expr: "k." + col}
	}
	return fallback
}

// scanKeyed scans an entry followed by its n key columns.
func scanKeyed(n int) func(scanner) (domain.ListEntry, error) {
	return func(s scanner) (domain.ListEntry, error) {
		key := make([]string, n)
		e, err := scanEntry(keyScanner{s, key})
		e.Key = key
		return e, err
	}
}

// keyScanner scans a row's own columns, then its key into key.
type keyScanner struct {
	s   scanner
	key []string
}

func (k keyScanner) Scan(dest ...any) error {
	for i := range k.key {
		dest = append(dest, &k.key[i])
	}
	return k.s.Scan(dest...)
}

const ticketEntryQuery = `SELECT t.id, t.installation_id, i.patient_id, t.category, t.opened_by, %s, t.closed_by, %s,
	t.message_count, t.last_sender, %s, ` + identityVersion

const ticketEntryFrom = ` FROM tickets t JOIN installations i ON i.id = t.installation_id JOIN patients p ON p.id = i.patient_id`

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
	if last != nil {
		e.LastAt = last.UTC()
	}
	return e, err
}

// TicketEntries returns the tickets the filter keeps, across
// installations, without threads: every one in no particular order, or
// with f.Limit one page in the queue's order (queueOrder).
func (db *DB) TicketEntries(ctx context.Context, f domain.TicketFilter) ([]domain.TicketEntry, error) {
	st, err := db.ticketStatement(f)
	if err != nil {
		return nil, err
	}
	var out []domain.TicketEntry
	err = db.inReadTx(ctx, "ticket entries", func(tx *sql.Tx) error {
		var err error
		out, err = queryAll(ctx, tx, st.scan, st.query, st.args...)
		return err
	})
	return out, err
}

// ticketStatement is TicketEntries' statement for f.
func (db *DB) ticketStatement(f domain.TicketFilter) (statement[domain.TicketEntry], error) {
	st := statement[domain.TicketEntry]{scan: scanTicketEntry}
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
	q := fmt.Sprintf(ticketEntryQuery, db.textTime("t.opened_at"), db.textTime("t.closed_at"), db.textTime("t.last_at"))
	from, tail := ticketEntryFrom, ""
	if f.Limit > 0 {
		keys, join := db.queueOrder(f, &args)
		q, from = q+", "+keys.selectList(), from+join
		if f.AfterKey != nil {
			cond, err := keys.after(f.AfterKey, &args)
			if err != nil {
				return st, err
			}
			conds = append(conds, cond)
		}
		st.scan, tail = scanKeyedTicket(len(keys)), keys.orderBy()
	}
	q += from
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += where
	if f.Limit > 0 {
		q += tail + fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	st.query, st.args = q, args
	return st, nil
}

// queueOrder is the work queue's keyset: the last activity (or the
// opening) cut to f.HeadCut, newest first, then f.Role's nickname (none
// for tickets) and sort tag of the ticket, as stored heads of the role's
// sort keys (joined); or, for callers who see ids (exact times), the time
// then the id, newest first, read backwards from the tickets' index.
func (db *DB) queueOrder(f domain.TicketFilter, args *[]any) (keyset, string) {
	col, family := "t.last_at", headLastRev
	if f.ByOpening {
		col, family = "t.opened_at", headStartRev
	}
	if f.Role == "" {
		head := keyCol{expr: col, sel: db.textTime(col), desc: true}
		if f.HeadCut != domain.CutExact {
			head = keyCol{expr: db.cutText(col, f.HeadCut, false), desc: true}
		}
		return keyset{head, {expr: "t.id", desc: true, numeric: true}}, ""
	}
	*args = append(*args, string(f.Role))
	keys := keyset{headKey(family, f.HeadCut, keyCol{expr: db.cutText(col, f.HeadCut, false), desc: true}), {expr: "k.nickname"}, {expr: "k.tag"}}
	return keys, fmt.Sprintf(` JOIN sort_keys k ON k.role = $%d AND k.kind = '%s' AND k.id = t.id`, len(*args), sortTicket)
}

// scanKeyedTicket scans a ticket entry followed by its n key columns.
func scanKeyedTicket(n int) func(scanner) (domain.TicketEntry, error) {
	return func(s scanner) (domain.TicketEntry, error) {
		key := make([]string, n)
		e, err := scanTicketEntry(keyScanner{s, key})
		e.Key = key
		return e, err
	}
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
