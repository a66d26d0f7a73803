package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"serenade/internal/domain"
)

// ListPagePlan is the plan of the query that reads the list's page
// (listStatement's), run: EXPLAIN QUERY PLAN's lines on
// SQLite; on PostgreSQL EXPLAIN (ANALYZE, FORMAT JSON) with sorts,
// sequential scans, and merge and hash joins disabled, so that the plan
// is the one a LIMIT over a large table takes (an index read in order,
// joined row by row) however small the test's tables.
func (db *DB) ListPagePlan(ctx context.Context, f domain.ListFilter) (string, error) {
	st, err := db.listStatement(f)
	if err != nil {
		return "", err
	}
	return db.plan(ctx, st.query, st.args)
}

// TicketPagePlan is ListPagePlan of the work queue's page.
func (db *DB) TicketPagePlan(ctx context.Context, f domain.TicketFilter) (string, error) {
	st, err := db.ticketStatement(f)
	if err != nil {
		return "", err
	}
	return db.plan(ctx, st.query, st.args)
}

func (db *DB) plan(ctx context.Context, q string, args []any) (string, error) {
	var out []string
	err := runTxOnce(ctx, db.write, nil, func(tx *sql.Tx) error {
		explain := "EXPLAIN QUERY PLAN "
		if db.dialect.name == postgresDialect.name {
			if _, err := tx.ExecContext(ctx, "ANALYZE"); err != nil { // the planner's statistics of the test's rows
				return err
			}
			for _, set := range []string{"enable_sort", "enable_incremental_sort", "enable_seqscan", "enable_bitmapscan", "enable_mergejoin", "enable_hashjoin"} {
				if _, err := tx.ExecContext(ctx, "SET LOCAL "+set+" = off"); err != nil {
					return err
				}
			}
			explain = "EXPLAIN (ANALYZE, FORMAT JSON) "
		}
		rows, err := tx.QueryContext(ctx, explain+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			line := ""
			if s, ok := vals[len(vals)-1].(string); ok {
				line = s
			} else if b, ok := vals[len(vals)-1].([]byte); ok {
				line = string(b)
			}
			if len(vals) == 4 { // SQLite: id, parent, notused, detail
				line = fmt.Sprint(vals[0], " ", vals[1], " ", line)
			}
			out = append(out, line)
		}
		return rows.Err()
	})
	return strings.Join(out, "\n"), err
}

// What the external tests need to write rows as older code did.

// TokenWord and TokenName are the blind index's name purposes.
const (
	TokenWord = tokenWord
	TokenName = tokenName
)

// BlindToken is the blind-index token of a purpose and a folded value.
func (db *DB) BlindToken(purpose, value string) []byte { return db.token(purpose, value) }
