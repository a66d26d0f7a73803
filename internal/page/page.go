// Package page is keyset pagination for the study's lists: each row of
// a list has a Key, its position in the list's order (compared element
// by element, the last element unique, a tiebreaker); a page is the rows
// after the previous page's last key, so a row inserted while a client
// pages never shifts the rows it has not seen yet (no offsets). The key
// travels to the client sealed in an opaque cursor (Cursors), bound to
// the caller and to the list, sort and filter it was made for.
package page

import (
	"fmt"
	"slices"
	"time"
)

// Key is a row's position in a list's order.
type Key []string

// Compare orders keys element by element.
func Compare(a, b Key) int { return slices.Compare(a, b) }

// Int is an id as a key element (ascending): fixed width, so the text
// order is the numeric one. Ids are positive.
func Int(id int64) string { return fmt.Sprintf("%020d", id) }

// Time is an instant as an ascending key element (UTC, fixed width); the
// zero time sorts first.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// ParseTime is the instant of a Time key element; the zero time for "".
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02T15:04:05.000000000Z", s)
}

// Of is one page of rows: at most limit rows after the key after (from
// the start when after is nil), in the order of key, and the key of the
// page's last row when more rows follow (nil on the last page). The
// cost is the sort of every row: O(n log n) per page over what the
// filter kept.
func Of[T any](rows []T, key func(T) Key, after Key, limit int) ([]T, Key) {
	keys := make([]Key, len(rows))
	idx := make([]int, len(rows))
	for i := range rows {
		idx[i], keys[i] = i, key(rows[i])
	}
	slices.SortFunc(idx, func(a, b int) int { return Compare(keys[a], keys[b]) })
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(idx, after, func(i int, k Key) int {
			if Compare(keys[i], k) <= 0 {
				return -1 // at or before the cursor: skipped
			}
			return 1
		})
	}
	end := min(start+limit, len(idx))
	out := make([]T, 0, end-start)
	for _, i := range idx[start:end] {
		out = append(out, rows[i])
	}
	if end < len(idx) && end > start {
		return out, keys[idx[end-1]]
	}
	return out, nil
}
