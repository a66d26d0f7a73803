package telemetry

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/XSAM/otelsql"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// OpenDB opens a database/sql pool over a connector whose calls are
// traced as children of the span in their context, and exports its pool
// statistics; driverName and dsn name the pool. Spans carry
// the SQL text, which holds only placeholders, and never the arguments;
// the database's error messages (which may quote values) are not recorded,
// only an error type or SQLSTATE. Pings, row iteration, prepares and
// session resets make no spans.
func (t *Telemetry) OpenDB(driverName, dsn string, c driver.Connector) (*sql.DB, error) {
	var db *sql.DB
	if !t.recording { // no span would go anywhere
		db = sql.OpenDB(c)
	} else {
		db = otelsql.OpenDB(c,
			otelsql.WithTracerProvider(t.provider),
			otelsql.WithMeterProvider(metricnoop.NewMeterProvider()), // pool metrics: the DBStats collector below
			otelsql.WithAttributes(dbSystem(driverName)),
			otelsql.WithSpanNameFormatter(spanName),
			otelsql.WithSpanOptions(otelsql.SpanOptions{
				DisableErrSkip:       true,
				RecordError:          func(error) bool { return false },
				OmitConnResetSession: true,
				OmitConnPrepare:      true,
				OmitRows:             true,
			}),
			otelsql.WithSpanErrorAttributesGetter(errorAttributes),
		)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	name := poolName(driverName, dsn)
	for i := 2; t.pools[name]; i++ {
		name = poolName(driverName, dsn) + "_" + strconv.Itoa(i)
	}
	if err := t.registry.Register(collectors.NewDBStatsCollector(db, name)); err != nil {
		db.Close()
		return nil, fmt.Errorf("telemetry: database pool %q: %w", name, err)
	}
	t.pools[name] = true
	return db, nil
}

// poolName names a pool for the go_sql_* metrics: the backend, and on
// SQLite whether it is the read-only pool or the writer.
func poolName(driver, dsn string) string {
	switch driver {
	case "pgx", "postgres":
		return "postgres"
	case "sqlite", "sqlite3":
		if strings.Contains(dsn, "query_only(1)") || strings.Contains(dsn, "query_only%281%29") || strings.Contains(dsn, "mode=ro") {
			return "sqlite_read"
		}
		return "sqlite_write"
	}
	return driver
}

func dbSystem(driver string) attribute.KeyValue {
	switch driver {
	case "pgx", "postgres":
		return semconv.DBSystemNamePostgreSQL
	case "sqlite", "sqlite3":
		return semconv.DBSystemNameSQLite
	}
	return semconv.DBSystemNameKey.String(driver)
}

// sqlVerbs are the statement keywords a span may be named after.
var sqlVerbs = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "WITH": true,
	"BEGIN": true, "COMMIT": true, "ROLLBACK": true, "SAVEPOINT": true, "RELEASE": true,
	"CREATE": true, "ALTER": true, "DROP": true, "PRAGMA": true, "VACUUM": true, "SET": true,
	"SHOW": true, "LOCK": true, "ANALYZE": true,
}

// spanName names a statement's span after its first keyword (SELECT,
// INSERT, …), other calls after the database/sql method (sql.tx.commit).
func spanName(_ context.Context, method otelsql.Method, query string) string {
	q := strings.TrimSpace(query)
	end := strings.IndexFunc(q, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
	if end < 0 {
		end = len(q)
	}
	if verb := strings.ToUpper(q[:end]); sqlVerbs[verb] {
		return verb
	}
	return string(method)
}

// errorAttributes describes a database error without its message.
func errorAttributes(err error) []attribute.KeyValue {
	var state interface{ SQLState() string } // pgx
	var coded interface{ Code() int }        // modernc sqlite
	switch {
	case errors.Is(err, context.Canceled):
		return []attribute.KeyValue{semconv.ErrorTypeKey.String("canceled")}
	case errors.Is(err, context.DeadlineExceeded):
		return []attribute.KeyValue{semconv.ErrorTypeKey.String("timeout")}
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case errors.As(err, &state):
		return []attribute.KeyValue{semconv.ErrorTypeKey.String(state.SQLState()), semconv.DBResponseStatusCode(state.SQLState())}
	case errors.As(err, &coded):
		code := strconv.Itoa(coded.Code())
		return []attribute.KeyValue{semconv.ErrorTypeKey.String(code), semconv.DBResponseStatusCode(code)}
	}
	return []attribute.KeyValue{semconv.ErrorTypeKey.String(fmt.Sprintf("%T", err))}
}
