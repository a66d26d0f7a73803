// Package store is Serenade's storage: one repository layer over
// database/sql with two backends, SQLite (modernc.org/sqlite, the embedded
// default) and PostgreSQL (pgx). The SQL is shared; the few differences
// live in dialect. Every public method opens its own transaction and
// calls private (ctx, tx, …) helpers. Identifying and medical values are
// sealed with the patient's data key before they reach SQL. The store
// decides no business rule: the service layer validates input and plans
// workflows (see UpdateHome); the store writes them in one transaction,
// with constraints (unique indexes) as the backstop. An internal error
// names its operation ("store: create patient: …").
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"

	"serenade/internal/keyring"
	"serenade/internal/pseudonym"
)

//go:embed migrations
var migrations embed.FS

// WithdrawalPolicy says what the study keeps of a withdrawn patient.
type WithdrawalPolicy string

const (
	// KeepPseudonymised keeps the installation, its dates and tickets
	// (without their messages) so sensor data stays usable.
	KeepPseudonymised WithdrawalPolicy = "keep-pseudonymised"
	// EraseAll deletes the patient row and everything attached.
	EraseAll WithdrawalPolicy = "erase-all"
)

// Config opens a store.
type Config struct {
	// URL is a postgres:// URL, or a SQLite file path (sqlite:// prefix optional).
	URL        string
	Keyring    *keyring.Keyring
	Withdrawal WithdrawalPolicy
	Now        func() time.Time // clock, for tests
	// MinParticipantAge is the youngest age at which a codice fiscale is
	// read as a participant's; 0 means domain.DefaultMinParticipantAge.
	MinParticipantAge int
	// OpenDB opens a connection pool over the store's connector (for
	// example traced); driverName ("sqlite" or "pgx") and dsn only name
	// the pool. Nil means sql.OpenDB.
	OpenDB func(driverName, dsn string, c driver.Connector) (*sql.DB, error)
	// Escrow is the escrow key file of this database's backups (see
	// Backup). Nil: escrow entries of destroyed data keys are left due
	// (escrow_erasures_due) for a process that has the file.
	Escrow *keyring.EscrowFile
}

// DB is an open store. It holds SQL and transactions only: the study's
// rules live in the service layer (internal/service), which decides what
// the store's primitives write.
type DB struct {
	read, write *sql.DB // the same pool on PostgreSQL
	// auditPool is the audit writer's own connection on PostgreSQL (nil
	// on SQLite, whose one writer connection serves it): a group commit
	// that every waiting request depends on never queues behind reads for
	// a connection of the shared pool, which database/sql hands to a
	// random waiter.
	auditPool *sql.DB
	path      string // the SQLite database file; "" on PostgreSQL
	dialect   dialect
	keys      *keyring.Keyring
	escrow    *keyring.EscrowFile // nil: none configured
	policy    WithdrawalPolicy
	now       func() time.Time
	minAge    int // of participants; see Config.MinParticipantAge

	indexKey     keyring.Key // blind index of the codice fiscale
	pseudonymKey keyring.Key // per-role patient pseudonyms
	codecOnce    sync.Once
	pseudonyms   *pseudonym.Codec // of pseudonymKey, for the sort keys (sortkeys.go)
	signingSeed  keyring.Key      // Ed25519 seed of the local access-token key

	verified verifiedKeys // master key bytes that matched their check value

	partitions sync.Map // time.Time (month) → true: readings partitions known to exist (PostgreSQL)

	prepared  atomic.Int64 // statements prepared on any connection (stmtcache.go)
	auditHead auditHead    // the audit chain's head as last written (auditwrite.go, PostgreSQL)

	names nameCache // folded names for the order by surname (namesort.go)
}

// IsPostgres reports whether url selects the PostgreSQL backend.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects, migrates, and loads the system keys. A master key that
// does not open this database's keys is an error here, at start, never
// garbage later.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Keyring == nil {
		return nil, errors.New("store: no keyring")
	}
	db, err := connect(cfg)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.loadSystemKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.indexUnindexed(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.fillSortKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.recomputeDerived(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// AuditTrail is a store opened without master keys: it can only verify
// the audit trail, whose hash chain needs no key. A lost or wrong key
// file therefore never stops the trail being checked.
type AuditTrail struct{ db *DB }

// OpenAuditTrail connects and migrates, loading no master key and
// unwrapping no data key.
func OpenAuditTrail(ctx context.Context, cfg Config) (*AuditTrail, error) {
	cfg.Keyring = nil
	db, err := connect(cfg)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &AuditTrail{db: db}, nil
}

// VerifyAudit is DB.VerifyAudit.
func (a *AuditTrail) VerifyAudit(ctx context.Context) (int64, error) { return a.db.VerifyAudit(ctx) }

// Close releases the connections.
func (a *AuditTrail) Close() error { return a.db.Close() }

// connect opens the pools; cfg.Keyring may be nil only for OpenAuditTrail.
func connect(cfg Config) (*DB, error) {
	db := &DB{keys: cfg.Keyring, escrow: cfg.Escrow, policy: cfg.Withdrawal, now: cfg.Now, minAge: cfg.MinParticipantAge}
	if db.now == nil {
		db.now = time.Now
	}
	if db.policy == "" {
		db.policy = KeepPseudonymised
	}
	if db.policy != KeepPseudonymised && db.policy != EraseAll {
		return nil, fmt.Errorf("store: unknown withdrawal policy %q", db.policy)
	}
	open := cfg.OpenDB
	if open == nil {
		open = func(_, _ string, c driver.Connector) (*sql.DB, error) { return sql.OpenDB(c), nil }
	}
	var err error
	if IsPostgres(cfg.URL) {
		err = db.connectPostgres(cfg.URL, open)
	} else {
		err = db.connectSQLite(strings.TrimPrefix(cfg.URL, "sqlite://"), open)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

// connectPostgres opens one pool whose connections keep their statements
// prepared (pgx's statement cache, counted) and stay open while idle, so
// that the cache survives between requests.
func (db *DB) connectPostgres(url string, open func(string, string, driver.Connector) (*sql.DB, error)) error {
	db.dialect = postgresDialect
	pc, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	pc.Tracer = prepareCounter{n: &db.prepared}
	if db.write, err = open("pgx", url, stdlib.GetConnector(*pc)); err != nil {
		return err
	}
	db.read = db.write
	db.write.SetMaxOpenConns(32)
	db.write.SetMaxIdleConns(32)
	if db.auditPool, err = open("pgx", url, stdlib.GetConnector(*pc)); err != nil {
		db.write.Close()
		return err
	}
	// One group at a time is written (auditHead.mu), so one connection.
	db.auditPool.SetMaxOpenConns(1)
	db.auditPool.SetMaxIdleConns(1)
	return nil
}

// connectSQLite opens the writer and the readers' pool, each connection
// with its statement cache.
func (db *DB) connectSQLite(path string, open func(string, string, driver.Connector) (*sql.DB, error)) error {
	db.dialect, db.path = sqliteDialect, path
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// Create the file private before SQLite does: its WAL and shared
	// memory files inherit these permissions.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return err
	} else {
		f.Close()
	}
	pool := func(dsn string) (*sql.DB, error) {
		c, err := sqlite.NewConnector(dsn)
		if err != nil {
			return nil, err
		}
		return open("sqlite", dsn, cachingConnector{Connector: c, prepared: &db.prepared})
	}
	// One writer connection with BEGIN IMMEDIATE: SQLite has one writer
	// anyway, and taking the lock at BEGIN avoids deadlocked upgrades.
	// Readers get their own pool and see WAL snapshots; all of them stay
	// open while idle (database/sql keeps 2 by default), or their
	// prepared statements would be lost with them.
	var err error
	if db.write, err = pool(sqliteDSN(path, "immediate")); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	if db.read, err = pool(sqliteDSN(path, "deferred") + "&_pragma=query_only(1)"); err != nil {
		db.write.Close()
		return err
	}
	db.read.SetMaxOpenConns(sqliteReaders)
	db.read.SetMaxIdleConns(sqliteReaders)
	return nil
}

// sqliteReaders is the size of SQLite's read pool.
const sqliteReaders = 4

// StatementsPrepared is how many statements the store has prepared on
// its connections since it opened: it grows while the statement caches
// fill, then stays (a growing count means misses).
func (db *DB) StatementsPrepared() int64 { return db.prepared.Load() }

func sqliteDSN(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)") // an acknowledged write survives power loss
	// Statement journals (a multi-row write inside a transaction keeps
	// the pages it changes until it completes) stay in memory: spilled to
	// a temporary file, they cost a write system call per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", txlock)
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// Close releases the connections.
func (db *DB) Close() error {
	db.names.reset()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.auditPool != nil {
		err = errors.Join(err, db.auditPool.Close())
	}
	return err
}

// Now is the store's clock: the time its writes record, and the one the
// service's rules judge dates by.
func (db *DB) Now() time.Time { return db.now() }

// MinParticipantAge is the configured minimum age of participants in
// years (Config.MinParticipantAge), by which a codice fiscale's century
// is placed.
func (db *DB) MinParticipantAge() int { return db.minAge }

// Backend names the storage technology, for logs and metrics.
func (db *DB) Backend() string { return db.dialect.name }

// Ping checks the database answers, for readiness.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// SigningSeed is the seed of the key that signs local access tokens. It
// lives in the database (wrapped) so that every replica, and the server
// after a restart, accepts the tokens of the others.
func (db *DB) SigningSeed() keyring.Key { return db.signingSeed }

// PseudonymKey is the server key from which per-role pseudonyms derive.
func (db *DB) PseudonymKey() keyring.Key { return db.pseudonymKey }

func (db *DB) migrate(ctx context.Context) error { return db.migrateTo(ctx, 0) }

// migrationProvider is goose's provider over this dialect's migrations.
func (db *DB) migrationProvider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	if db.dialect.name == postgresDialect.name {
		// Replicas starting together take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(db.dialect.goose, db.write, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrationVersion returns the schema version applied.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v.Int64, wrapOp("migration version", err)
}

// BackupTo writes a consistent copy of a SQLite database to path (VACUUM
// INTO). PostgreSQL is backed up with its own tools (pg_dump, base backups).
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if db.dialect.name != sqliteDialect.name {
		return errors.New("store: BackupTo is for SQLite; back PostgreSQL up with pg_dump")
	}
	_, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, path)
	return wrapOp("backup", err)
}

// ReloadKeys re-reads the master keys (after `serenade keys rotate`).
func (db *DB) ReloadKeys() error { return db.keys.Reload() }

// Empty reports whether the database holds no patient and no account,
// the only state demo mode seeds.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM patients) + (SELECT COUNT(*) FROM accounts)`).Scan(&n)
	return n == 0, wrapOp("empty", err)
}
