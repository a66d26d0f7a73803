package store

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The backup file is a gzip stream of JSON values, one a line:
//
//	{"format":"serenade-backup","version":1,"backend":…,"schema_version":…,"created_at":…,"partitions":[…]}
//	{"table":"patients","columns":["id",…]}   then one JSON array per row
//	{"end":"patients","rows":N}
//	…
//	{"complete":true,"tables":T,"rows":R}
//
// The closing line proves the file is whole. Each cell is null or a
// string whose first byte gives its type, so a value reads back with the
// type the driver gave (see encodeCell). data_keys rows carry each data
// key wrapped under its escrow key, master_version 0: no master key, and
// nothing wrapped under one, is in the file.

// backupFormat and backupVersion identify the file.
const (
	backupFormat  = "serenade-backup"
	backupVersion = 1
)

type backupHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	Backend    string    `json:"backend"`
	Schema     int64     `json:"schema_version"`
	CreatedAt  time.Time `json:"created_at"`
	Partitions []string  `json:"partitions,omitempty"` // PostgreSQL readings months, "2006-01"
}

// backupLine is any non-row line after the header.
type backupLine struct {
	Table    string   `json:"table,omitempty"`
	Columns  []string `json:"columns,omitempty"`
	End      string   `json:"end,omitempty"`
	Rows     int64    `json:"rows,omitempty"`
	Complete bool     `json:"complete,omitempty"`
	Tables   int      `json:"tables,omitempty"`
}

// encodeCell writes a driver value: nil as null; int64 "i", float64 "f"
// (shortest exact form), string "s", []byte "b" (base64), time.Time "t"
// (RFC 3339 with nanoseconds and offset), bool "T"/"F".
func encodeCell(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return "i" + strconv.FormatInt(x, 10), nil
	case float64:
		return "f" + strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		return "s" + x, nil
	case []byte:
		return "b" + base64.StdEncoding.EncodeToString(x), nil
	case time.Time:
		return "t" + x.Format(time.RFC3339Nano), nil
	case bool:
		if x {
			return "T", nil
		}
		return "F", nil
	}
	return nil, fmt.Errorf("backup: cannot encode a %T", v)
}

// decodeCell reverses encodeCell.
func decodeCell(c *string) (any, error) {
	if c == nil {
		return nil, nil
	}
	s := *c
	if s == "" {
		return nil, fmt.Errorf("backup: empty cell")
	}
	body := s[1:]
	switch s[0] {
	case 'i':
		return strconv.ParseInt(body, 10, 64)
	case 'f':
		f, err := strconv.ParseFloat(body, 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil, err
		}
		return f, nil
	case 's':
		return body, nil
	case 'b':
		return base64.StdEncoding.DecodeString(body)
	case 't':
		return time.Parse(time.RFC3339Nano, body)
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	}
	return nil, fmt.Errorf("backup: unknown cell type %q", s[0])
}
