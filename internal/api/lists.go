package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

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

// pageAfter is one page of rows by key (page.Of) after the key after,
// with the cursor of the next page ("" on the last).
func pageAfter[T any](a *API, ctx context.Context, pos page.Position, q PageQuery, rows []T, key func(T) page.Key, after page.Key) ([]T, string) {
	out, last := page.Of(rows, key, after, pageLimit(q))
	if last == nil {
		return out, ""
	}
	pos.Key = last
	return out, a.cursors.Seal(cursorOwner(ctx), pos)
}

// listPage is pageAfter after the caller's cursor.
func listPage[T any](a *API, ctx context.Context, pos page.Position, q PageQuery, rows []T, key func(T) page.Key) ([]T, string, error) {
	after, err := a.openCursor(ctx, pos, q)
	if err != nil {
		return nil, "", err
	}
	out, next := pageAfter(a, ctx, pos, q, rows, key, after)
	return out, next, nil
}

// needsActivity reports whether a list's sort or status filter reads the
// activity (status, last message) of every entry, not only the page's.
func needsActivity(sort string, status domain.InstallationStatus) bool {
	return status != "" || sort == view.SortStatus || sort == view.SortLastActivity
}

// checkSort refuses a sort the caller cannot be given: ordering by
// nickname for callers who see ids (and so no nicknames).
func checkSort(v view.Viewer, sort string) error {
	if sort == view.SortNickname && v.SeesIDs() {
		return queryInvalid("sort", "nickname: callers who see ids are shown no nicknames")
	}
	return nil
}

// keepStatus keeps the entries of installations in status s ("" keeps all).
func keepStatus(es []domain.ListEntry, s domain.InstallationStatus) []domain.ListEntry {
	if s == "" {
		return es
	}
	return slices.DeleteFunc(es, func(e domain.ListEntry) bool { return e.InstallationID == 0 || e.Status != s })
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
