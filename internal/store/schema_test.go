package store_test

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"serenade/internal/testsupport/storetest"
)

// The two dialects' migrations are written by hand, side by side. This
// test reads each backend's catalog after every migration has run and
// compares the result, so a column, a NOT NULL, a unique constraint, an
// index or a foreign-key action added to one dialect only is caught.

// column is what is compared of a column, in portable terms.
type column struct {
	Type       string // portable type, see portableType
	NotNull    bool
	HasDefault bool // a DEFAULT clause (identity columns excluded)
	PrimaryKey bool
}

// index is a unique constraint or an index, by its columns: SQLite names
// the indexes behind UNIQUE constraints itself, so names are not compared.
type index struct {
	Table   string
	Columns string // comma-separated, in key order
	Unique  bool
	Partial bool
}

// foreignKey is a single-column reference and what a delete does to it.
type foreignKey struct {
	Table, Column, RefTable, RefColumn, OnDelete string
}

// schema is one backend's catalog, reduced to what both can express.
type schema struct {
	Columns  map[string]map[string]column // table → column → definition
	Indexes  []index
	FKs      []foreignKey
	Checks   []string // "table: n CHECK constraints", for tables that have any
	Triggers []string // "table: TIMING EVENT", one per event a trigger fires on
}

// notCompared are tables outside the project's migrations.
var notCompared = map[string]string{
	"goose_db_version": "the migration tool's own bookkeeping, defined by the tool per dialect",
	"sqlite_sequence":  "SQLite's AUTOINCREMENT counters",
}

// portableTypes maps each declared type to one name per kind of value.
// INTEGER and BIGINT are one kind: SQLite's INTEGER holds 64 bits.
var portableTypes = map[string]string{
	"integer": "integer", "bigint": "integer",
	"text": "text",
	"blob": "bytes", "bytea": "bytes",
	"timestamp": "timestamp", "timestamp with time zone": "timestamp",
	"real": "float", "double precision": "float",
	"date":    "date",
	"boolean": "boolean",
}

// allowedDifferences lists, as "table.column: what", the differences the
// dialects are meant to have. It is empty: every difference found so far
// was only one of spelling (covered by portableTypes).
var allowedDifferences = map[string]string{}

func TestBothDialectsHaveTheSameSchema(t *testing.T) {
	lite := readSQLiteSchema(t, storetest.Open(t, "sqlite").Raw(t))
	pg := readPostgresSchema(t, storetest.Open(t, "postgres").Raw(t))
	for name, s := range map[string]schema{"sqlite": lite, "postgres": pg} {
		if len(s.Columns) < 10 || len(s.Indexes) < 5 || len(s.FKs) < 5 || len(s.Checks) < 2 || len(s.Triggers) < 2 {
			t.Fatalf("%s catalog: %d tables, %d indexes, %d foreign keys, %d tables with checks, %d trigger events: the catalog queries are broken",
				name, len(s.Columns), len(s.Indexes), len(s.FKs), len(s.Checks), len(s.Triggers))
		}
	}
	diffs := compareSchemas(lite, pg)
	for _, d := range diffs {
		if why, ok := allowedDifferences[d]; ok {
			t.Logf("allowed difference %s (%s)", d, why)
			continue
		}
		t.Error(d)
	}
	for d := range allowedDifferences {
		if !slices.Contains(diffs, d) {
			t.Errorf("allowed difference %q no longer exists: remove it from the list", d)
		}
	}
}

// compareSchemas lists every difference, each as "table.column: what".
func compareSchemas(lite, pg schema) []string {
	var diffs []string
	for _, tbl := range slices.Sorted(maps.Keys(unionKeys(lite.Columns, pg.Columns))) {
		lc, pc := lite.Columns[tbl], pg.Columns[tbl]
		if lc == nil || pc == nil {
			diffs = append(diffs, fmt.Sprintf("%s: table only in %s", tbl, onlyIn(lc != nil)))
			continue
		}
		for _, col := range slices.Sorted(maps.Keys(unionKeys(lc, pc))) {
			l, lok := lc[col]
			p, pok := pc[col]
			switch {
			case !lok || !pok:
				diffs = append(diffs, fmt.Sprintf("%s.%s: column only in %s", tbl, col, onlyIn(lok)))
			case l != p:
				diffs = append(diffs, fmt.Sprintf("%s.%s: sqlite %+v, postgres %+v", tbl, col, l, p))
			}
		}
	}
	diffs = append(diffs, setDiff("index", lite.Indexes, pg.Indexes)...)
	diffs = append(diffs, setDiff("foreign key", lite.FKs, pg.FKs)...)
	diffs = append(diffs, setDiff("check", lite.Checks, pg.Checks)...)
	return append(diffs, setDiff("trigger", lite.Triggers, pg.Triggers)...)
}

func onlyIn(sqlite bool) string {
	if sqlite {
		return "sqlite"
	}
	return "postgres"
}

func unionKeys[V any](a, b map[string]V) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// setDiff lists the elements found on one backend only.
func setDiff[T comparable](what string, lite, pg []T) []string {
	var diffs []string
	for _, x := range lite {
		if !slices.Contains(pg, x) {
			diffs = append(diffs, fmt.Sprintf("%s %+v: only in sqlite", what, x))
		}
	}
	for _, x := range pg {
		if !slices.Contains(lite, x) {
			diffs = append(diffs, fmt.Sprintf("%s %+v: only in postgres", what, x))
		}
	}
	return diffs
}

func portableType(t *testing.T, declared string) string {
	t.Helper()
	p, ok := portableTypes[strings.ToLower(declared)]
	if !ok {
		t.Errorf("type %q has no portable name: add it to portableTypes", declared)
	}
	return p
}

// query runs q and calls scan for each row.
func query(t *testing.T, db *sql.DB, q string, scan func(*sql.Rows) error, args ...any) {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
