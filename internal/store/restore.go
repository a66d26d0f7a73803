package store

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"serenade/internal/domain"
)

// RestoreStats says what a restore loaded.
type RestoreStats struct {
	BackupStats
	Schema int64 // schema version of the backup
	// Erased counts the patients whose escrow key was gone (withdrawn
	// after the backup): their sealed rows were erased as a withdrawal
	// leaves them once the kit is back.
	Erased int
	// AuditEntries is how many audit entries verified after the restore.
	AuditEntries int64
}

// Restore loads a backup written by Backup into an empty database of the
// same backend: it migrates the schema to the backup's version, loads
// every row in one transaction, unwraps each data key with its escrow key
// and wraps it under the current master key (cfg.Keyring), migrates to
// the latest schema, then opens the store (which adopts the master key's
// check value) and verifies the audit chain. A patient whose escrow key
// is gone has its sealed rows erased and its data key dropped. A database
// that holds any row (the migrations' own seed aside) is refused
// (domain conflict), as is a backup of the other backend or a newer one.
func Restore(ctx context.Context, cfg Config, r io.Reader) (RestoreStats, error) {
	var st RestoreStats
	if cfg.Keyring == nil || cfg.Escrow == nil {
		return st, errors.New("store: restore needs the master key and the escrow key file")
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		return st, fmt.Errorf("restore: not a Serenade backup (%w)", err)
	}
	dec := json.NewDecoder(zr)
	var h backupHeader
	if err := dec.Decode(&h); err != nil || h.Format != backupFormat {
		return st, fmt.Errorf("restore: not a Serenade backup")
	}
	st.Schema = h.Schema
	if err := restoreInto(ctx, cfg, h, dec, &st); err != nil {
		return st, err
	}
	db, err := Open(ctx, cfg)
	if err != nil {
		return st, fmt.Errorf("restore: open the restored database: %w", err)
	}
	defer db.Close()
	st.AuditEntries, err = db.VerifyAudit(ctx)
	return st, err
}

// restoreInto connects, checks, migrates and loads.
func restoreInto(ctx context.Context, cfg Config, h backupHeader, dec *json.Decoder, st *RestoreStats) error {
	db, err := connect(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if h.Version != backupVersion || h.Backend != db.dialect.name {
		return domain.Conflict("the backup is format version %d of a %s database; this restore reads version %d into %s",
			h.Version, h.Backend, backupVersion, db.dialect.name)
	}
	if err := db.migrateTo(ctx, h.Schema); err != nil {
		return err
	}
	if err := db.requireEmpty(ctx, h.Schema); err != nil {
		return err
	}
	if err := db.restorePartitions(ctx, h.Partitions); err != nil {
		return err
	}
	escrow, err := cfg.Escrow.Load()
	if err != nil {
		return err
	}
	l := &loader{db: db, dec: dec, escrow: escrow, st: st}
	if err := runTxOnce(ctx, db.write, nil, func(tx *sql.Tx) error { return l.load(ctx, tx) }); err != nil {
		return wrapOp("restore", err)
	}
	return db.migrateTo(ctx, 0)
}

// requireEmpty refuses a database at another schema version than the
// backup's or holding rows.
func (db *DB) requireEmpty(ctx context.Context, schema int64) error {
	var v sql.NullInt64
	if err := db.write.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return wrapOp("restore", err)
	}
	if v.Int64 != schema {
		return domain.Conflict("the target database is at schema version %d, the backup at %d: restore into a new, empty database", v.Int64, schema)
	}
	tables, err := db.backupTables(ctx, db.write)
	if err != nil {
		return wrapOp("restore", err)
	}
	for _, t := range tables {
		var n int64
		if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t)).Scan(&n); err != nil {
			return wrapOp("restore", err)
		}
		if n > 0 && !(seededTables[t] && n == 1) {
			return domain.Conflict("the target database is not empty (table %s has %d rows): restore only into a new, empty database", t, n)
		}
	}
	var used int64
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM keyring_state`).Scan(&used); err != nil {
		return wrapOp("restore", err)
	}
	if used > 0 {
		return domain.Conflict("the target database has been used already (it has a master key state): restore only into a new, empty database")
	}
	return nil
}

// restorePartitions creates the PostgreSQL readings partitions the
// backup's rows need.
func (db *DB) restorePartitions(ctx context.Context, months []string) error {
	var ms []time.Time
	for _, m := range months {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return fmt.Errorf("restore: bad partition month %q", m)
		}
		ms = append(ms, t)
	}
	if len(ms) == 0 || db.dialect.name != postgresDialect.name {
		return nil
	}
	return wrapOp("restore partitions", db.createPartitions(ctx, ms))
}

// migrateTo applies the migrations up to version (0: all of them).
func (db *DB) migrateTo(ctx context.Context, version int64) error {
	p, err := db.migrationProvider()
	if err != nil {
		return err
	}
	if version == 0 {
		_, err = p.Up(ctx)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
