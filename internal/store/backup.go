package store

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// BackupStats says what a backup or a restore carried.
type BackupStats struct {
	Tables   int   // tables written or loaded
	Rows     int64 // rows in them
	DataKeys int   // data keys, each wrapped under its escrow key
}

// Backup writes a consistent copy of the database to w (format in
// backup_format.go) while the database stays in use: every table is read
// in one snapshot (PostgreSQL REPEATABLE READ, SQLite a WAL read
// transaction), so a workflow is either wholly in it or not at all.
// Every data key is written wrapped under its escrow key (created on
// demand in the escrow file); the master key, and anything wrapped under
// it, is never written. It fails without an escrow file configured.
func (db *DB) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	var st BackupStats
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect.name == postgresDialect.name {
		opts.Isolation = sql.LevelRepeatableRead
	}
	err := runTx(ctx, db.read, opts, func(tx *sql.Tx) error {
		st = BackupStats{}
		wrapped, err := db.escrowDataKeys(ctx, tx) // the snapshot starts here
		if err != nil {
			return err
		}
		st.DataKeys = len(wrapped)
		return db.writeBackup(ctx, tx, w, wrapped, &st)
	})
	return st, wrapOp("backup", err)
}

// writeBackup streams the header, every table and the closing line.
func (db *DB) writeBackup(ctx context.Context, tx *sql.Tx, w io.Writer, wrapped map[int64][]byte, st *BackupStats) error {
	h, err := db.backupHeader(ctx, tx)
	if err != nil {
		return err
	}
	tables, err := db.backupTables(ctx, tx)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(zw, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(h); err != nil {
		return err
	}
	for _, t := range tables {
		n, err := db.writeTable(ctx, tx, enc, t, wrapped)
		if err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
		st.Tables++
		st.Rows += n
	}
	if err := enc.Encode(backupLine{Complete: true, Tables: st.Tables, Rows: st.Rows}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func (db *DB) backupHeader(ctx context.Context, tx *sql.Tx) (backupHeader, error) {
	h := backupHeader{Format: backupFormat, Version: backupVersion, Backend: db.dialect.name, CreatedAt: db.now().UTC()}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return h, err
	}
	h.Schema = v.Int64
	months, err := db.Partitions(ctx)
	if err != nil {
		return h, err
	}
	for _, m := range months {
		h.Partitions = append(h.Partitions, m.Format("2006-01"))
	}
	return h, nil
}

// writeTable writes one table's opening line, rows and closing line.
// data_keys rows get their escrow-wrapped key and master_version 0.
func (db *DB) writeTable(ctx context.Context, tx *sql.Tx, enc *json.Encoder, table string, wrapped map[int64][]byte) (int64, error) {
	cols, err := db.tableColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	if err := enc.Encode(backupLine{Table: table, Columns: cols}); err != nil {
		return 0, err
	}
	fix := func([]any) error { return nil }
	if table == "data_keys" {
		fix = escrowRow(cols, wrapped)
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = db.dialect.rawColumn(c)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+quoteIdent(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	cells := make([]any, len(cols))
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if err := fix(vals); err != nil {
			return n, err
		}
		for i, v := range vals {
			if cells[i], err = encodeCell(v); err != nil {
				return n, err
			}
		}
		if err := enc.Encode(cells); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, enc.Encode(backupLine{End: table, Rows: n})
}

// escrowRow replaces a data_keys row's wrapped key by its escrow-wrapped
// copy (read under the same snapshot) and its master version by 0.
func escrowRow(cols []string, wrapped map[int64][]byte) func([]any) error {
	id, ver, wr := index(cols, "id"), index(cols, "master_version"), index(cols, "wrapped")
	return func(vals []any) error {
		if id < 0 || ver < 0 || wr < 0 {
			return fmt.Errorf("data_keys lacks id, master_version or wrapped")
		}
		k, ok := vals[id].(int64)
		w, found := wrapped[k]
		if !ok || !found {
			return fmt.Errorf("data key %v was not escrowed", vals[id])
		}
		vals[ver], vals[wr] = int64(0), w
		return nil
	}
}

// index is the position of name in cols, or -1.
func index(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}
