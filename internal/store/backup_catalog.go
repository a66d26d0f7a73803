package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// What a backup holds is read from the database's own catalog, so a table
// a later migration adds is backed up without a list to keep in step.

// notBackedUp are tables a backup leaves out: the migration bookkeeping
// (the restore migrates), and the state of the master keys, which belongs
// to the database's own key file (a restore starts them afresh under the
// master key of the machine it runs on), the erasures due, and the
// revision of the identities.
var notBackedUp = map[string]bool{
	"goose_db_version":         true,
	"keyring_state":            true,
	"master_key_checks":        true,
	"master_key_rotations_due": true,
	"escrow_erasures_due":      true,
	"identity_revision":        true, // a process's cache token (namesort.go): the restore's own inserts count it
}

// seededTables hold a row the migrations insert (the audit chain's empty
// head): a restore replaces it; any other row makes the target non-empty.
var seededTables = map[string]bool{"audit_head": true}

// quoteIdent quotes an SQL identifier (both dialects).
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// rawColumn selects a column as stored. On SQLite a bare column of a
// declared DATE or TIMESTAMP type is parsed by the driver into a time
// and written back in another text form; `+col` has no declared type, so
// the value keeps its storage class and its exact bytes.
func (d dialect) rawColumn(col string) string {
	if d.name == sqliteDialect.name {
		return "+" + quoteIdent(col)
	}
	return quoteIdent(col)
}

// backupTables lists the tables to back up, each after the tables its
// foreign keys reference, so that a restore can insert them in order.
// PostgreSQL partitions are read through their partitioned parent.
func (db *DB) backupTables(ctx context.Context, q querier) ([]string, error) {
	tablesSQL := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	fkSQL := `SELECT m.name, f."table" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	if db.dialect.name == postgresDialect.name {
		tablesSQL = `SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
			AND c.relkind IN ('r', 'p') AND NOT c.relispartition`
		fkSQL = `SELECT c.relname, f.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
			JOIN pg_class f ON f.oid = k.confrelid WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`
	}
	names, err := queryAll(ctx, q, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, tablesSQL)
	if err != nil {
		return nil, err
	}
	type edge struct{ from, to string }
	edges, err := queryAll(ctx, q, func(s scanner) (edge, error) {
		var e edge
		return e, s.Scan(&e.from, &e.to)
	}, fkSQL)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, e := range edges {
		if e.from != e.to {
			deps[e.from] = append(deps[e.from], e.to)
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return notBackedUp[n] })
	slices.Sort(names)
	return topoOrder(names, deps)
}

// topoOrder orders names so that each comes after its deps (which need
// not be in names); a cycle is an error.
func topoOrder(names []string, deps map[string][]string) ([]string, error) {
	state := map[string]int{} // 1 visiting, 2 done
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	var out []string
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle through %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range deps[n] {
			if in[d] {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		out = append(out, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tableColumns lists a table's columns in their declared order.
func (db *DB) tableColumns(ctx context.Context, q querier, table string) ([]string, error) {
	query := `SELECT name FROM pragma_table_info($1) ORDER BY cid`
	if db.dialect.name == postgresDialect.name {
		query = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
			AND is_generated = 'NEVER' ORDER BY ordinal_position`
	}
	return queryAll(ctx, q, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, query, table)
}

// identityColumns lists a PostgreSQL table's identity columns (none on
// SQLite, whose rowids follow the highest id inserted by themselves).
func (db *DB) identityColumns(ctx context.Context, q querier, table string) ([]string, error) {
	if db.dialect.name != postgresDialect.name {
		return nil, nil
	}
	return queryAll(ctx, q, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
		AND is_identity = 'YES'`, table)
}
