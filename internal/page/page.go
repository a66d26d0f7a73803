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
	"time"
)

// Key is a row's position in a list's order.
type Key []string

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
