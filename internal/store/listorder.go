package store

import (
	"fmt"

	"serenade/internal/domain"
)

// The lists' keyset pages in SQL: each domain.ListOrder is an ORDER BY
// over the patient's stored columns (migration 00012 indexes each) ending
// with the id, and the condition "after this entry" in that order, so a
// page costs an index read and LIMIT rows, whatever the list's length.

// order is one list order: its ORDER BY clause and the keyset condition
// of the rows after an entry.
type order struct {
	by    string
	after func(e domain.ListEntry, args *[]any) string
}

// listConds are the conditions of the filter's stored values, their
// arguments appended to args.
func listConds(f domain.ListFilter, args *[]any) []string {
	var conds []string
	if f.Status != "" {
		*args = append(*args, string(f.Status))
		conds = append(conds, fmt.Sprintf(`p.status = $%d`, len(*args)))
	}
	if f.Installed {
		conds = append(conds, `i.id IS NOT NULL`)
	}
	if f.Active {
		conds = append(conds, `p.withdrawn_at IS NULL`)
	}
	if f.Patient != 0 {
		*args = append(*args, f.Patient)
		conds = append(conds, fmt.Sprintf(`p.id = $%d`, len(*args)))
	}
	return conds
}

// orderOf is the filter's order, ending with the patient's id or, for
// lists of installations, the installation's.
func orderOf(f domain.ListFilter) order {
	tie, tieOf := "p.id", func(e domain.ListEntry) int64 { return e.PatientID }
	if f.ByInstallation {
		tie, tieOf = "i.id", func(e domain.ListEntry) int64 { return e.InstallationID }
	}
	// arg appends v and returns its placeholder.
	arg := func(args *[]any, v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	// byColumn orders by col (ascending, or descending when desc), then
	// the tie ascending: after e is a greater (smaller) col, or the same
	// col and a greater tie.
	byColumn := func(col string, desc bool, value func(domain.ListEntry) any) order {
		dir, cmp := "", ">"
		if desc {
			dir, cmp = " DESC", "<"
		}
		return order{by: fmt.Sprintf(` ORDER BY %s%s, %s`, col, dir, tie), after: func(e domain.ListEntry, args *[]any) string {
			v, id := arg(args, value(e)), arg(args, tieOf(e))
			return fmt.Sprintf(`(%s %s %s OR (%s = %s AND %s > %s))`, col, cmp, v, col, v, tie, id)
		}}
	}
	dateJoin := func(e domain.ListEntry) any { return e.DateJoin }
	switch f.Order {
	case domain.OrderDateJoin:
		return byColumn("p.date_join", false, dateJoin)
	case domain.OrderDateJoinDesc:
		return byColumn("p.date_join", true, dateJoin)
	case domain.OrderStatus:
		return byColumn("p.status", false, func(e domain.ListEntry) any { return string(e.Status) })
	case domain.OrderLastActivity:
		return lastActivityOrder(tie, tieOf, arg)
	}
	return order{by: ` ORDER BY ` + tie, after: func(e domain.ListEntry, args *[]any) string {
		return fmt.Sprintf(`%s > %s`, tie, arg(args, tieOf(e)))
	}}
}

// lastActivityOrder is newest activity first, patients without activity
// (NULL) last, each group then by the tie ascending.
func lastActivityOrder(tie string, tieOf func(domain.ListEntry) int64, arg func(*[]any, any) string) order {
	return order{by: ` ORDER BY p.last_activity IS NULL, p.last_activity DESC, ` + tie,
		after: func(e domain.ListEntry, args *[]any) string {
			id := arg(args, tieOf(e))
			if e.LastMessageAt == nil {
				return fmt.Sprintf(`(p.last_activity IS NULL AND %s > %s)`, tie, id)
			}
			at := arg(args, e.LastMessageAt.UTC())
			return fmt.Sprintf(`(p.last_activity IS NULL OR p.last_activity < %s OR (p.last_activity = %s AND %s > %s))`, at, at, tie, id)
		}}
}
