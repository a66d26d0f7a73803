package store_test

import (
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// SQLite keeps CHECK constraints and trigger events only in the statement
// text; the migrations spell keywords in upper case.
var (
	sqliteCheck        = regexp.MustCompile(`\bCHECK\s*\(`)
	sqliteTriggerEvent = regexp.MustCompile(`\b(BEFORE|AFTER|INSTEAD OF)\s+(INSERT|UPDATE|DELETE)\b`)
)

// readSQLiteSchema reads the catalog through SQLite's pragma functions.
func readSQLiteSchema(t *testing.T, db *sql.DB) schema {
	s := schema{Columns: map[string]map[string]column{}}
	var tables []string
	query(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`, func(r *sql.Rows) error {
		var name string
		err := r.Scan(&name)
		if _, skip := notCompared[name]; !skip {
			tables = append(tables, name)
		}
		return err
	})
	s.Checks, s.Triggers = sqliteChecksAndTriggers(t, db)
	for _, tbl := range tables {
		s.Columns[tbl] = sqliteColumns(t, db, tbl)
		s.Indexes = append(s.Indexes, sqliteIndexes(t, db, tbl)...)
		query(t, db, `SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)`, func(r *sql.Rows) error {
			fk := foreignKey{Table: tbl}
			err := r.Scan(&fk.RefTable, &fk.Column, &fk.RefColumn, &fk.OnDelete)
			fk.OnDelete = strings.ToUpper(fk.OnDelete)
			s.FKs = append(s.FKs, fk)
			return err
		}, tbl)
	}
	return s
}

func sqliteChecksAndTriggers(t *testing.T, db *sql.DB) (checks, triggers []string) {
	query(t, db, `SELECT type, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') AND sql IS NOT NULL`, func(r *sql.Rows) error {
		var typ, tbl, text string
		if err := r.Scan(&typ, &tbl, &text); err != nil {
			return err
		}
		if _, skip := notCompared[tbl]; skip {
			return nil
		}
		if n := len(sqliteCheck.FindAllString(text, -1)); typ == "table" && n > 0 {
			checks = append(checks, fmt.Sprintf("%s: %d CHECK constraints", tbl, n))
		}
		if m := sqliteTriggerEvent.FindStringSubmatch(text); typ == "trigger" && m != nil {
			triggers = append(triggers, fmt.Sprintf("%s: %s %s", tbl, m[1], m[2]))
		}
		return nil
	})
	return checks, triggers
}

func sqliteColumns(t *testing.T, db *sql.DB, tbl string) map[string]column {
	cols := map[string]column{}
	query(t, db, `SELECT name, type, "notnull", dflt_value IS NOT NULL, pk FROM pragma_table_info(?)`, func(r *sql.Rows) error {
		var name, typ string
		var c column
		var pk int
		if err := r.Scan(&name, &typ, &c.NotNull, &c.HasDefault, &pk); err != nil {
			return err
		}
		c.Type = portableType(t, typ)
		c.PrimaryKey = pk > 0
		// An INTEGER PRIMARY KEY is SQLite's rowid: never NULL, though
		// the pragma does not say NOT NULL.
		c.NotNull = c.NotNull || c.PrimaryKey
		cols[name] = c
		return nil
	}, tbl)
	return cols
}

// sqliteIndexes lists a table's indexes and unique constraints; the
// primary key is compared with the columns instead.
func sqliteIndexes(t *testing.T, db *sql.DB, tbl string) []index {
	var out []index
	var names []string
	query(t, db, `SELECT name, "unique", partial FROM pragma_index_list(?) WHERE origin <> 'pk' ORDER BY name`, func(r *sql.Rows) error {
		var name string
		ix := index{Table: tbl}
		err := r.Scan(&name, &ix.Unique, &ix.Partial)
		names, out = append(names, name), append(out, ix)
		return err
	}, tbl)
	for i, name := range names {
		var cols []string
		query(t, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, func(r *sql.Rows) error {
			var c string
			err := r.Scan(&c)
			cols = append(cols, c)
			return err
		}, name)
		out[i].Columns = strings.Join(cols, ",")
	}
	return out
}

// readPostgresSchema reads the catalog of the current schema.
func readPostgresSchema(t *testing.T, db *sql.DB) schema {
	s := schema{Columns: map[string]map[string]column{}}
	query(t, db, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO',
			c.column_default IS NOT NULL AND c.is_identity = 'NO'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`, func(r *sql.Rows) error {
		var tbl, name, typ string
		var c column
		if err := r.Scan(&tbl, &name, &typ, &c.NotNull, &c.HasDefault); err != nil {
			return err
		}
		if _, skip := notCompared[tbl]; skip {
			return nil
		}
		c.Type = portableType(t, typ)
		if s.Columns[tbl] == nil {
			s.Columns[tbl] = map[string]column{}
		}
		s.Columns[tbl][name] = c
		return nil
	})
	postgresPrimaryKeys(t, db, s)
	s.Indexes = postgresIndexes(t, db)
	s.FKs = postgresForeignKeys(t, db)
	s.Checks, s.Triggers = postgresChecksAndTriggers(t, db)
	return s
}

// postgresChecksAndTriggers counts CHECK constraints per table and lists
// the row events triggers fire on (TRUNCATE, which SQLite lacks, is not
// listed by information_schema).
func postgresChecksAndTriggers(t *testing.T, db *sql.DB) (checks, triggers []string) {
	query(t, db, `SELECT cl.relname, count(*) FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid
		WHERE c.contype = 'c' AND cl.relnamespace = current_schema()::regnamespace GROUP BY cl.relname`, func(r *sql.Rows) error {
		var tbl string
		var n int
		err := r.Scan(&tbl, &n)
		checks = append(checks, fmt.Sprintf("%s: %d CHECK constraints", tbl, n))
		return err
	})
	query(t, db, `SELECT event_object_table, action_timing, event_manipulation FROM information_schema.triggers
		WHERE trigger_schema = current_schema()`, func(r *sql.Rows) error {
		var tbl, timing, event string
		err := r.Scan(&tbl, &timing, &event)
		triggers = append(triggers, fmt.Sprintf("%s: %s %s", tbl, timing, event))
		return err
	})
	return checks, triggers
}

func postgresPrimaryKeys(t *testing.T, db *sql.DB, s schema) {
	query(t, db, `SELECT cl.relname, a.attname
		FROM pg_index ix
		JOIN pg_class cl ON cl.oid = ix.indrelid
		JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY (ix.indkey)
		WHERE ix.indisprimary AND cl.relnamespace = current_schema()::regnamespace`, func(r *sql.Rows) error {
		var tbl, col string
		if err := r.Scan(&tbl, &col); err != nil {
			return err
		}
		if c, ok := s.Columns[tbl][col]; ok {
			c.PrimaryKey = true
			s.Columns[tbl][col] = c
		}
		return nil
	})
}

// postgresIndexes lists indexes other than primary keys; an index on an
// expression has a key column 0 and shows as an empty column name, which
// no SQLite index matches.
func postgresIndexes(t *testing.T, db *sql.DB) []index {
	var out []index
	query(t, db, `SELECT cl.relname, ix.indisunique, ix.indpred IS NOT NULL,
			string_agg(COALESCE(a.attname, ''), ',' ORDER BY k.n)
		FROM pg_index ix
		JOIN pg_class cl ON cl.oid = ix.indrelid
		CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
		LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
		WHERE NOT ix.indisprimary AND cl.relnamespace = current_schema()::regnamespace
			AND cl.relname <> 'goose_db_version'
		GROUP BY ix.indexrelid, cl.relname, ix.indisunique, ix.indpred IS NOT NULL`, func(r *sql.Rows) error {
		var ix index
		err := r.Scan(&ix.Table, &ix.Unique, &ix.Partial, &ix.Columns)
		out = append(out, ix)
		return err
	})
	return out
}

// postgresForeignKeys lists foreign keys; a multi-column one shows its
// first column only and would not match, which the test then reports.
func postgresForeignKeys(t *testing.T, db *sql.DB) []foreignKey {
	var out []foreignKey
	query(t, db, `SELECT cl.relname, a.attname, rf.relname, af.attname,
			CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
				WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
		FROM pg_constraint c
		JOIN pg_class cl ON cl.oid = c.conrelid
		JOIN pg_class rf ON rf.oid = c.confrelid
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`, func(r *sql.Rows) error {
		var fk foreignKey
		err := r.Scan(&fk.Table, &fk.Column, &fk.RefTable, &fk.RefColumn, &fk.OnDelete)
		out = append(out, fk)
		return err
	})
	return out
}
