package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/view"
)

// PageQuery is the paging of a list (exported: huma reads only embedded
// structs of exported types).
type PageQuery struct {
	Limit  int    `query:"limit" default:"100" doc:"Rows per page."`
	Cursor string `query:"cursor" doc:"The next of the previous page, as it was given: opaque, and valid only for the same caller, list, sort and filters (otherwise 422)."`
}

// queryInvalid is a 422 naming a query parameter, like huma's own.
func queryInvalid(name, msg string) error {
	return huma.NewError(http.StatusUnprocessableEntity, "validation failed", &huma.ErrorDetail{Location: "query." + name, Message: msg})
}

// cursorOwner binds a cursor to the caller: its subject and roles.
func cursorOwner(ctx context.Context) string {
	p, _ := domain.PrincipalFrom(ctx)
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	slices.Sort(roles)
	return p.Subject + "\x00" + strings.Join(roles, ",")
}

// openCursor is the key the caller's cursor carries for this list,
// sort and filter; nil without a cursor, a 422 for a cursor that is not
// one of the caller's for them.
func (a *API) openCursor(ctx context.Context, pos page.Position, q PageQuery) (page.Key, error) {
	if q.Cursor == "" {
		return nil, nil
	}
	after, err := a.cursors.Open(cursorOwner(ctx), q.Cursor, pos)
	if err != nil {
		return nil, queryInvalid("cursor", err.Error())
	}
	return after, nil
}

// pageLimit is the page size asked for, or the default.
func pageLimit(q PageQuery) int {
	if q.Limit <= 0 {
		return domain.ListPageDefault
	}
	return q.Limit
}

// sqlPage reads one page of rows in SQL after the caller's cursor: the
// store reads limit+1 rows (read, given the key the cursor carries, nil
// from the start) so that the next cursor, sealing the key of the
// page's last row (key), is given only when another row follows.
func sqlPage[T any](a *API, ctx context.Context, pos page.Position, q PageQuery, read func(after page.Key, limit int) ([]T, error), key func(T) page.Key) ([]T, string, error) {
	after, err := a.openCursor(ctx, pos, q)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(q)
	rows, err := read(after, limit+1)
	if errors.Is(err, page.ErrCursor) {
		return nil, "", queryInvalid("cursor", page.ErrCursor.Error())
	}
	if err != nil || len(rows) <= limit {
		return rows, "", err
	}
	rows = rows[:limit]
	pos.Key = key(rows[limit-1])
	return rows, a.cursors.Seal(cursorOwner(ctx), pos), nil
}

// entryPage is one page of list entries in the caller's order of sort,
// read in SQL: by the id for callers who see ids, otherwise by the
// caller's stored sort keys (view.Viewer.OrderRole), times compared as
// the caller is shown them.
func (a *API) entryPage(ctx context.Context, v view.Viewer, pos page.Position, q PageQuery, f domain.ListFilter) ([]domain.ListEntry, string, error) {
	f.Order = domain.ListOrder(pos.Sort)
	if pos.Sort == view.SortNickname {
		f.Order = domain.OrderID
	}
	if role := v.OrderRole(); role != "" {
		f.Role, f.HeadCut = role, v.Cut(access.EnrolmentDates)
		if f.Order == domain.OrderLastActivity {
			f.HeadCut = v.Cut(access.ActivityTimes)
		}
	}
	read := func(after page.Key, limit int) ([]domain.ListEntry, error) {
		f.Limit = limit
		if f.Role != "" {
			f.AfterKey = after
		} else if after != nil {
			e, err := entryOfKey(after)
			if err != nil {
				return nil, err
			}
			f.After = &e
		}
		return a.deps.Study.ListEntries(ctx, f)
	}
	return sqlPage(a, ctx, pos, q, read, func(e domain.ListEntry) page.Key {
		if f.Role != "" {
			return e.Key
		}
		return idEntryKey(e)
	})
}

// idEntryKey is what the cursor of a list of a caller who sees ids
// carries: the values of the last entry the store's orders compare.
func idEntryKey(e domain.ListEntry) page.Key {
	last := ""
	if e.LastActivityAt != nil {
		last = page.Time(*e.LastActivityAt)
	}
	return page.Key{page.Int(e.PatientID), page.Int(e.InstallationID), page.Time(e.DateJoin), string(e.Status), last}
}

// entryOfKey is the entry an idEntryKey was made of (enough of it for
// the store's keyset); a 422 naming the cursor for a key of another shape.
func entryOfKey(k page.Key) (domain.ListEntry, error) {
	bad := queryInvalid("cursor", page.ErrCursor.Error())
	if len(k) != 5 {
		return domain.ListEntry{}, bad
	}
	pid, err1 := strconv.ParseInt(k[0], 10, 64)
	iid, err2 := strconv.ParseInt(k[1], 10, 64)
	joined, err3 := page.ParseTime(k[2])
	e := domain.ListEntry{PatientID: pid, InstallationID: iid, DateJoin: joined, Status: domain.InstallationStatus(k[3])}
	if k[4] != "" {
		last, err := page.ParseTime(k[4])
		if err != nil {
			return e, bad
		}
		e.LastActivityAt = &last
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		return e, bad
	}
	return e, nil
}

// checkSort refuses a sort the caller cannot be given: ordering by
// nickname for callers who see ids (and so no nicknames).
func checkSort(v view.Viewer, sort string) error {
	if sort == view.SortNickname && v.SeesIDs() {
		return queryInvalid("sort", "nickname: callers who see ids are shown no nicknames")
	}
	return nil
}

// versions is the identity version of each entry's patient, for the
// viewer's nicknames (view.Viewers.ForList).
func versions(es []domain.ListEntry) map[int64]string {
	m := make(map[int64]string, len(es))
	for _, e := range es {
		m[e.PatientID] = e.IdentityVersion
	}
	return m
}

func patientIDs(es []domain.ListEntry) []int64 {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.PatientID
	}
	return ids
}

// filterKey is the canonical form of a list's filters, to which a
// cursor is bound.
func filterKey(kv ...string) string { return strings.Join(kv, "\x00") }

var errNameSortTooMany = errors.New("last_name: more patients match than can be sorted by surname; narrow the list with q, status or diagnosis_class first")
