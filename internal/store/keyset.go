package store

import (
	"fmt"
	"strconv"
	"strings"

	"serenade/internal/domain"
	"serenade/internal/page"
)

// Keyset pages over text and id columns: the order of a role's list (a
// time cut to the role's precision, stored as a head, then its nickname
// and sort tag of the row) and of the work queue. Each row's key is read
// with the row, as text, and comes back in the next page's cursor
// (domain ListEntry.Key, TicketEntry.Key). "After this key" is one row
// comparison (c0, c1, …) > (v0, v1, …) (< when every column descends),
// which both dialects read as an index range when an index has the
// columns in that order; an order of mixed directions (only the
// fallback of a cut no head is stored for) is the usual expansion
// (c0 > v0) OR (c0 = v0 AND c1 > v1) OR ….

// keyCol is a column of a keyset order: an SQL expression that is never
// NULL, descending or not, compared as an id (numeric) or as text; sel,
// when set, is how the key's value is read (SQLite's timestamps as their
// stored text, which compares as the column does).
type keyCol struct {
	expr    string
	sel     string
	desc    bool
	numeric bool
}

// keyset is an order: its columns, most significant first.
type keyset []keyCol

// selectList is the key's columns, to be read after a row's own.
func (k keyset) selectList() string {
	exprs := make([]string, len(k))
	for i, c := range k {
		exprs[i] = c.expr
		if c.sel != "" {
			exprs[i] = c.sel
		}
	}
	return strings.Join(exprs, ", ")
}

// orderBy is the ORDER BY clause of the keyset.
func (k keyset) orderBy() string {
	terms := make([]string, len(k))
	for i, c := range k {
		terms[i] = c.expr
		if c.desc {
			terms[i] += " DESC"
		}
	}
	return " ORDER BY " + strings.Join(terms, ", ")
}

// after is the condition of the rows after the key, its values
// appended to args; an error for a key of another shape.
func (k keyset) after(key []string, args *[]any) (string, error) {
	if len(key) != len(k) {
		return "", fmt.Errorf("%w: a key of %d values for an order of %d", errKeyShape, len(key), len(k))
	}
	ph := make([]string, len(k))
	for i, c := range k {
		var v any = key[i]
		if c.numeric {
			n, err := strconv.ParseInt(key[i], 10, 64)
			if err != nil {
				return "", fmt.Errorf("%w: %q is no id", errKeyShape, key[i])
			}
			v = n
		}
		*args = append(*args, v)
		ph[i] = fmt.Sprintf("$%d", len(*args))
	}
	if cmp, ok := k.oneDirection(); ok {
		cols := make([]string, len(k))
		for i, c := range k {
			cols[i] = c.expr
		}
		return fmt.Sprintf("(%s) %s (%s)", strings.Join(cols, ", "), cmp, strings.Join(ph, ", ")), nil
	}
	var or []string
	for i, c := range k {
		var and []string
		for j := range i {
			and = append(and, fmt.Sprintf("%s = %s", k[j].expr, ph[j]))
		}
		op := ">"
		if c.desc {
			op = "<"
		}
		and = append(and, fmt.Sprintf("%s %s %s", c.expr, op, ph[i]))
		or = append(or, "("+strings.Join(and, " AND ")+")")
	}
	return "(" + strings.Join(or, " OR ") + ")", nil
}

// oneDirection is the comparison of "after" when every column has the
// same direction: > ascending, < descending.
func (k keyset) oneDirection() (string, bool) {
	for _, c := range k[1:] {
		if c.desc != k[0].desc {
			return "", false
		}
	}
	if k[0].desc {
		return "<", true
	}
	return ">", true
}

// errKeyShape is a cursor's key that does not fit the order it is used
// with (a cursor is bound to its list, sort and filter, so only a key of
// an older release): page.ErrCursor, which the API answers with a 422
// naming the cursor.
var errKeyShape = page.ErrCursor

// cutText is the SQL text of the time column col cut to c (UTC), whose
// text order is the order of the cut times; NULL stays NULL. date says
// col is a DATE. An expression no index serves: the lists read stored
// heads instead (listheads.go) and use it only for a cut no head is
// stored at.
func (db *DB) cutText(col string, c domain.TimeCut, date bool) string {
	if db.dialect.name == sqliteDialect.name { // stored as text, in UTC: "2006-01-02 15:04:05.999999999+00:00"
		switch c {
		case domain.CutHour:
			return "substr(" + col + ", 1, 13)"
		case domain.CutDay:
			return "substr(" + col + ", 1, 10)"
		case domain.CutQuarter:
			return "substr(" + col + ", 1, 5) || ((CAST(substr(" + col + ", 6, 2) AS INTEGER) + 2) / 3)"
		case domain.CutYear:
			return "substr(" + col + ", 1, 4)"
		}
		return "CAST(" + col + " AS TEXT)"
	}
	layout := map[domain.TimeCut]string{domain.CutHour: "YYYY-MM-DD HH24", domain.CutDay: "YYYY-MM-DD",
		domain.CutQuarter: "YYYY-Q", domain.CutYear: "YYYY"}[c]
	if layout == "" {
		layout = "YYYY-MM-DD HH24:MI:SS.US"
	}
	if !date {
		col = "(" + col + " AT TIME ZONE 'UTC')"
	}
	return "to_char(" + col + ", '" + layout + `') COLLATE "C"`
}
