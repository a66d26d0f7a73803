package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"serenade/internal/domain"
)

// Stored heads of the list orders (migration 00015). A role that does
// not see ids sorts its lists by a time cut to the precision it is shown
// (domain.TimeCut), then by its nickname and sort tag of the row. A cut
// computed in SQL for every row is an expression no index serves, so the
// cut values are stored per precision on each sort-key row, and one
// index per head column, (role, kind, head, nickname, tag), serves the
// keyset as an index range. Heads are text in ascending order of the
// list: newest-first heads are stored reversed (revText), so every
// keyset is one row comparison (c0, c1, c2) > (v0, v1, v2) in both
// dialects. Doctors' order by last activity reads patients.activity_rev,
// the exact time reversed, for the same reason.
//
// Heads are role-independent values written on every role's row of a
// patient: refreshHeads recomputes them in the transaction of every
// change that can move a head (the sort keys' own writes, the ticket
// workflows' refreshActivity, the enrolment date's correction, the
// ingest's newer reading), and skips rows whose heads are unchanged.

// Families of heads: the row's start (a patient's enrolment date, a
// ticket's opening) oldest and newest first, and its last activity
// newest first.
const (
	headStart    = "start"
	headStartRev = "start_rev"
	headLastRev  = "last_rev"
)

// noneLast is the head of a row without the time (no activity yet):
// after every reversed time, whose first character is a digit.
const noneLast = "~"

// storedCuts are the precisions heads are stored at; domain.CutExact is
// not among them (roles that see exact times see ids, and order by
// their own columns).
var storedCuts = []domain.TimeCut{domain.CutHour, domain.CutDay, domain.CutQuarter, domain.CutYear}

// headColumn is the sort_keys column of family's head cut to c, and
// whether it is stored: the start of a patient is a date, so its hour is
// its day. CutExact has none.
func headColumn(family string, c domain.TimeCut) (string, bool) {
	if c == domain.CutExact {
		return "", false
	}
	if family == headStart && c == domain.CutHour {
		c = domain.CutDay
	}
	return family + "_" + string(c), true
}

// cutTime is t (UTC) cut to c as fixed-width text whose order is the
// order of the cut times: "2006-01-02 15", "2006-01-02", "2006-Q"
// (quarter 1-4), "2006"; the exact time to the microsecond otherwise.
func cutTime(t time.Time, c domain.TimeCut) string {
	t = t.UTC()
	switch c {
	case domain.CutHour:
		return t.Format("2006-01-02 15")
	case domain.CutDay:
		return t.Format("2006-01-02")
	case domain.CutQuarter:
		return fmt.Sprintf("%04d-%d", t.Year(), (int(t.Month())+2)/3)
	case domain.CutYear:
		return fmt.Sprintf("%04d", t.Year())
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// revText is s with every digit d written 9-d: among texts of one
// layout, ascending order of revText is descending order of s.
func revText(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '9' - r + '0'
		}
		return r
	}, s)
}

// revCut is the newest-first head of t cut to c; noneLast for nil.
func revCut(t *time.Time, c domain.TimeCut) string {
	if t == nil {
		return noneLast
	}
	return revText(cutTime(*t, c))
}

// activityKey is the doctors' head of the order by last activity
// (patients.activity_rev): the exact time, newest first, none last.
func activityKey(t *time.Time) string { return revCut(t, domain.CutExact) }

// headValues are a row's heads, by column.
type headValues map[string]string

// headsOf are the heads of a row starting at start (date or time) whose
// last activity is last (nil: none) with status.
func headsOf(status string, start time.Time, last *time.Time) headValues {
	h := headValues{"status": status}
	for _, c := range storedCuts {
		if c != domain.CutHour { // a start's hour is its day's column
			h[headStart+"_"+string(c)] = cutTime(start, c)
		}
		h[headStartRev+"_"+string(c)] = revCut(&start, c)
		h[headLastRev+"_"+string(c)] = revCut(last, c)
	}
	return h
}

// set is the SET list and the changed-condition of the heads, their
// values appended to args: a row is written only when its finest heads
// differ (the coarser ones follow from them).
func (h headValues) set(args *[]any) (set, changed string) {
	var sets []string
	for _, col := range headColumns() {
		*args = append(*args, h[col])
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(*args)))
	}
	finest := []string{"status", "start_day", "start_rev_hour", "last_rev_hour"}
	var diff []string
	for _, col := range finest {
		*args = append(*args, h[col])
		diff = append(diff, fmt.Sprintf("%s <> $%d", col, len(*args)))
	}
	return strings.Join(sets, ", "), "(" + strings.Join(diff, " OR ") + ")"
}

// headColumns are sort_keys' head columns, in the migration's order.
func headColumns() []string {
	cols := []string{"status"}
	for _, f := range []string{headStart, headStartRev, headLastRev} {
		for _, c := range storedCuts {
			if f != headStart || c != domain.CutHour { // a start's hour is its day's column
				cols = append(cols, f+"_"+string(c))
			}
		}
	}
	return cols
}

// refreshHeads rewrites the heads of every sort-key row of the patient
// (its own, its installation's, its tickets') and its activity_rev from
// the stored values, inside tx; a patient erased in tx is not found.
func (db *DB) refreshHeads(ctx context.Context, tx *sql.Tx, patientID int64) error {
	if err := db.refreshPatientHeads(ctx, tx, patientID); err != nil {
		return err
	}
	type ticket struct {
		id           int64
		opened, last *time.Time
	}
	q := fmt.Sprintf(`SELECT t.id, %s, %s FROM tickets t JOIN installations i ON i.id = t.installation_id WHERE i.patient_id = $1`,
		db.textTime("t.opened_at"), db.textTime("t.last_at"))
	tickets, err := queryAll(ctx, tx, func(s scanner) (ticket, error) {
		var t ticket
		return t, s.Scan(&t.id, timeScan{&t.opened}, timeScan{&t.last})
	}, q, patientID)
	if err != nil {
		return fmt.Errorf("list heads: %w", err)
	}
	for _, t := range tickets {
		if t.opened == nil {
			continue
		}
		h := headsOf("", *t.opened, t.last)
		args := []any{patientID, t.id}
		set, changed := h.set(&args)
		_, err := tx.ExecContext(ctx, `UPDATE sort_keys SET `+set+` WHERE patient_id = $1 AND kind = '`+sortTicket+`' AND id = $2 AND `+changed, args...)
		if err != nil {
			return fmt.Errorf("list heads: %w", err)
		}
	}
	return nil
}

// refreshPatientHeads rewrites the heads of the patient's and its
// installation's sort-key rows and its activity_rev, when they changed.
func (db *DB) refreshPatientHeads(ctx context.Context, tx *sql.Tx, patientID int64) error {
	h, ok, err := db.patientHeads(ctx, tx, patientID)
	if !ok || err != nil {
		return err
	}
	args := []any{patientID}
	set, changed := h.set(&args)
	_, err = tx.ExecContext(ctx, `UPDATE sort_keys SET `+set+` WHERE patient_id = $1 AND kind <> '`+sortTicket+`' AND `+changed, args...)
	if err != nil {
		return fmt.Errorf("list heads: %w", err)
	}
	return nil
}

// patientHeads are the heads of the patient's rows from its stored
// values, its activity_rev written (when it changed); ok is false for a
// patient erased in tx.
func (db *DB) patientHeads(ctx context.Context, tx *sql.Tx, patientID int64) (headValues, bool, error) {
	var joined, last *time.Time
	var status string
	q := fmt.Sprintf(`SELECT %s, status, %s FROM patients WHERE id = $1`, db.textTime("date_join"), db.textTime("last_activity"))
	err := tx.QueryRowContext(ctx, q, patientID).Scan(timeScan{&joined}, &status, timeScan{&last})
	if err == sql.ErrNoRows || (err == nil && joined == nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("list heads: %w", err)
	}
	key := activityKey(last)
	if _, err := tx.ExecContext(ctx, `UPDATE patients SET activity_rev = $1 WHERE id = $2 AND activity_rev <> $1`, key, patientID); err != nil {
		return nil, false, fmt.Errorf("list heads: %w", err)
	}
	return headsOf(status, *joined, last), true, nil
}

// ticketHeads are the heads of the ticket's rows from its stored times.
func (db *DB) ticketHeads(ctx context.Context, tx *sql.Tx, ticketID int64) (headValues, error) {
	var opened, last *time.Time
	q := fmt.Sprintf(`SELECT %s, %s FROM tickets WHERE id = $1`, db.textTime("opened_at"), db.textTime("last_at"))
	if err := tx.QueryRowContext(ctx, q, ticketID).Scan(timeScan{&opened}, timeScan{&last}); err != nil {
		return nil, fmt.Errorf("list heads: %w", err)
	}
	if opened == nil {
		return nil, fmt.Errorf("list heads: ticket %d without an opening", ticketID)
	}
	return headsOf("", *opened, last), nil
}

// noteReadings moves the patient's last activity to the batch's newest
// reading when it is newer than the stored one (a re-sent older reading
// moves nothing): one guarded UPDATE of the patient's row per batch, and
// the heads of its sort keys only when the activity grew (their guard
// writes nothing while the hour is the same).
func (db *DB) noteReadings(ctx context.Context, tx *sql.Tx, patientID int64, rs []KeyedReading) error {
	if len(rs) == 0 {
		return nil
	}
	newest := rs[0].AtMs
	for _, r := range rs[1:] {
		newest = max(newest, r.AtMs)
	}
	at := time.UnixMilli(newest).UTC()
	res, err := tx.ExecContext(ctx, `UPDATE patients SET last_reading = $1,
			last_activity = CASE WHEN last_activity IS NULL OR last_activity < $1 THEN $1 ELSE last_activity END
		WHERE id = $2 AND (last_reading IS NULL OR last_reading < $1)`, at, patientID)
	if err != nil {
		return fmt.Errorf("last reading: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return db.refreshPatientHeads(ctx, tx, patientID)
}
