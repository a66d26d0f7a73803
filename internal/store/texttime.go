package store

import (
	"fmt"
	"time"
)

// Lists read a timestamp per row of 10,000; the SQLite driver's own
// parsing of a TIMESTAMP column tries its layouts one by one and cost a
// third of such a read. Lists therefore select SQLite's timestamps as
// their stored text (textTime) and parse that one layout here (timeScan);
// PostgreSQL's binary timestamps are scanned as they come.

// textTime is the column expression of a timestamp a list reads.
func (db *DB) textTime(col string) string {
	if db.dialect.name == sqliteDialect.name {
		return "CAST(" + col + " AS TEXT)"
	}
	return col
}

// sqliteTimeLayout is how the SQLite driver writes times (_time_format=sqlite).
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// timeScan scans a timestamp given as time.Time or as SQLite's text into
// t; NULL leaves t nil.
type timeScan struct{ t **time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = nil
		return nil
	case time.Time:
		*s.t = &v
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("store: a timestamp of type %T", src)
}

func (s timeScan) parse(text string) error {
	t, err := time.Parse(sqliteTimeLayout, text)
	if err != nil {
		return fmt.Errorf("store: a timestamp not in the stored layout: %w", err)
	}
	t = t.UTC()
	*s.t = &t
	return nil
}
