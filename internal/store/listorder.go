package store

import (
	"fmt"
	"strings"

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
	if f.Patients != nil {
		conds = append(conds, patientsCond(f.Patients, args))
	}
	return conds
}

// patientsCond keeps the rows of the patients ids, their values
// appended to args: an IN list, which both dialects read by the primary
// key; none at all for no ids.
func patientsCond(ids []int64, args *[]any) string {
	if len(ids) == 0 {
		return `1 = 0`
	}
	ph := make([]string, len(ids))
	for i, id := range ids {
		*args = append(*args, id)
		ph[i] = fmt.Sprintf("$%d", len(*args))
	}
	return `p.id IN (` + strings.Join(ph, ", ") + `)`
}

// orderOf is the filter's order: by the id (the installation's, for
// lists of installations, else the patient's), or by a stored column then
// the patient's id (an installation has one patient, so the patient's id
// orders installations as well as theirs, and the pair is one index of
// patients). After an entry is one row comparison, an index range.
func orderOf(f domain.ListFilter) order {
	// arg appends v and returns its placeholder.
	arg := func(args *[]any, v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	// byColumn orders by col then the patient's id, both ascending, or
	// both descending when desc: after e is (col, id) > (e's) (<).
	byColumn := func(col string, desc bool, value func(domain.ListEntry) any) order {
		dir, cmp := "", ">"
		if desc {
			dir, cmp = " DESC", "<"
		}
		return order{by: fmt.Sprintf(` ORDER BY %s%s, p.id%s`, col, dir, dir), after: func(e domain.ListEntry, args *[]any) string {
			v, id := arg(args, value(e)), arg(args, e.PatientID)
			return fmt.Sprintf(`(%s, p.id) %s (%s, %s)`, col, cmp, v, id)
		}}
	}
	dateJoin := func(e domain.ListEntry) any { return e.DateJoin }
	switch f.Order {
	case domain.OrderDateJoin:
		return byColumn("p.date_join", false, dateJoin)
	case domain.OrderDateJoinDesc: // newest first, then the newest id
		return byColumn("p.date_join", true, dateJoin)
	case domain.OrderStatus:
		return byColumn("p.status", false, func(e domain.ListEntry) any { return string(e.Status) })
	case domain.OrderLastActivity: // newest first, none last: the stored head
		return byColumn("p.activity_rev", false, func(e domain.ListEntry) any { return activityKey(e.LastActivityAt) })
	}
	tie, tieOf := "p.id", func(e domain.ListEntry) int64 { return e.PatientID }
	if f.ByInstallation {
		tie, tieOf = "i.id", func(e domain.ListEntry) int64 { return e.InstallationID }
	}
	return order{by: ` ORDER BY ` + tie, after: func(e domain.ListEntry, args *[]any) string {
		return fmt.Sprintf(`%s > %s`, tie, arg(args, tieOf(e)))
	}}
}
