package view

import (
	"slices"
	"time"
)

// Lists are ordered, for roles other than dottore, only by what the
// caller is shown and a tiebreaker of its own role: the nickname, then
// the role's keyed sort tag of each row (the paged lists: lists.go), or
// its pseudonym, after the shown time where the job
// reads a list in time order (an installation's tickets and documents). The store's order follows
// internal ids, the same for every role: row k of one role's export
// would be row k of another's. Callers who see the ids keep it.

func orderFor[T any](v Viewer, rows []T, key func(T) []string) {
	if v.ids {
		return
	}
	slices.SortStableFunc(rows, func(a, b T) int { return slices.Compare(key(a), key(b)) })
}

// shownTime is a timestamp as a sort key (fixed width, UTC).
func shownTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// OrderTickets sorts rows as the viewer may see them ordered.
func (v Viewer) OrderTickets(xs []TicketView) {
	orderFor(v, xs, func(x TicketView) []string { return []string{shownTime(x.OpenedAt), x.ID} })
}

// OrderDocuments sorts rows as the viewer may see them ordered.
func (v Viewer) OrderDocuments(xs []DocumentView) {
	orderFor(v, xs, func(x DocumentView) []string { return []string{shownTime(x.CreatedAt), x.ID} })
}
