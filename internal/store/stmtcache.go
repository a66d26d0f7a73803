package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/jackc/pgx/v5"
)

// Prepared statements. Parsing and planning SQL costs as much as running
// a point read, so no statement is prepared twice on one connection:
//
//   - PostgreSQL: pgx keeps each connection's statements prepared (its
//     default QueryExecModeCacheStatement, 512 per connection, LRU), as
//     long as the pool keeps the connection (idle connections are kept).
//   - SQLite: modernc prepares every call anew; cachingConn keeps up to
//     stmtCacheSize statements prepared per connection (LRU).
//
// Both count what they prepare (DB.StatementsPrepared), so the caches'
// misses are visible in /metrics and tests can check they stay hit.

// stmtCacheSize bounds the statements one SQLite connection keeps
// prepared: every statement text of the store fits, with room.
const stmtCacheSize = 512

// prepareCounter counts the statements pgx prepares (a pgx tracer: a
// statement cache miss is a Prepare).
type prepareCounter struct{ n *atomic.Int64 }

func (prepareCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (prepareCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (p prepareCounter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	p.n.Add(1)
	return ctx
}

func (prepareCounter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// cachingConnector opens SQLite connections that keep their statements
// prepared.
type cachingConnector struct {
	driver.Connector
	prepared *atomic.Int64
}

// sqliteConn is what database/sql uses of a modernc connection; the
// wrapper must forward all of it, or database/sql falls back to
// context-free calls (see sqlite.NewConnector).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStatement is a driver statement that runs with a context.
type cachedStatement interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	raw, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, ok := raw.(sqliteConn)
	if !ok {
		raw.Close()
		return nil, fmt.Errorf("store: SQLite connection %T lacks context methods", raw)
	}
	cc := &cachingConn{sqliteConn: conn, prepared: c.prepared}
	cc.stmts, _ = simplelru.NewLRU(stmtCacheSize, func(_ string, s *stmtEntry) { s.evict() })
	return cc, nil
}

// cachingConn is a SQLite connection that keeps its statements prepared,
// by SQL text. database/sql never uses one connection from two
// goroutines at once; a statement whose rows are still open (a query
// nested in another's iteration) is not handed out again: the nested
// call prepares a statement of its own, as the driver would.
type cachingConn struct {
	sqliteConn
	prepared *atomic.Int64
	stmts    *simplelru.LRU[string, *stmtEntry]
}

// stmtEntry is a cached statement; busy while rows read from it are
// open, evicted once the cache dropped it (closed when its rows close).
type stmtEntry struct {
	stmt          cachedStatement
	busy, evicted bool
}

func (s *stmtEntry) evict() {
	s.evicted = true
	if !s.busy {
		s.stmt.Close()
	}
}

// Unwrap is the driver's connection (sqlite.Limit looks through wrappers).
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// statement returns the cached statement for query, preparing it on a
// miss; nil when the call must run uncached: a script of several
// statements (re-parsed by the driver on every run anyway), or a
// statement whose rows are open.
func (c *cachingConn) statement(ctx context.Context, query string) (*stmtEntry, error) {
	if strings.Contains(query, ";") {
		return nil, nil
	}
	if s, ok := c.stmts.Get(query); ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.prepared.Add(1)
	stmt, ok := ds.(cachedStatement)
	if !ok {
		ds.Close()
		return nil, fmt.Errorf("store: SQLite statement %T lacks context methods", ds)
	}
	s := &stmtEntry{stmt: stmt}
	c.stmts.Add(query, s)
	return s, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		c.prepared.Add(1) // the driver prepares it for this call
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		c.prepared.Add(1)
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	r, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		return nil, fmt.Errorf("store: SQLite rows %T lack column types", rows)
	}
	s.busy = true
	return &cachedRows{sqliteRows: r, entry: s}, nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	c.stmts.Purge()
	return c.sqliteConn.Close()
}

// sqliteRows is what database/sql uses of modernc's rows.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows hands its statement back to the cache when closed (the
// driver resets the statement for its next run).
type cachedRows struct {
	sqliteRows
	entry *stmtEntry
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.entry.busy = false
	if r.entry.evicted {
		r.entry.stmt.Close()
	}
	return err
}
