package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"serenade/internal/keyring"
)

// loader reads a backup's tables after its header and inserts them in
// one transaction.
type loader struct {
	db     *DB
	dec    *json.Decoder
	escrow keyring.EscrowKeys
	st     *RestoreStats
	lost   []int64 // patient data keys whose escrow entry is gone
	master uint32  // master version the data keys are wrapped under
}

// restoreParams bounds the parameters of one multi-row INSERT (SQLite
// allows 32766, PostgreSQL 65535).
const restoreParams = 4000

// load runs the whole restore transaction.
func (l *loader) load(ctx context.Context, tx *sql.Tx) error {
	if err := l.startKeys(ctx, tx); err != nil {
		return err
	}
	for t := range seededTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(t)); err != nil {
			return err
		}
	}
	if err := l.tables(ctx, tx); err != nil {
		return err
	}
	if err := l.db.resetIdentities(ctx, tx); err != nil {
		return err
	}
	return l.eraseLost(ctx, tx)
}

// startKeys makes the keyring's current version the one in use, with its
// check value: the restored database starts under this machine's key.
func (l *loader) startKeys(ctx context.Context, tx *sql.Tx) error {
	l.master = l.db.keys.CurrentVersion()
	if _, err := tx.ExecContext(ctx, `INSERT INTO keyring_state (id, master_version) VALUES (1, $1)`, l.master); err != nil {
		return err
	}
	return l.db.ensureCheck(ctx, tx, l.master)
}

// tables reads lines until the closing one, loading each table.
func (l *loader) tables(ctx context.Context, tx *sql.Tx) error {
	for {
		var line backupLine
		if err := l.dec.Decode(&line); err != nil {
			return fmt.Errorf("the backup is cut short or damaged: %w", err)
		}
		switch {
		case line.Complete:
			if line.Tables != l.st.Tables || line.Rows != l.st.Rows {
				return fmt.Errorf("the backup announces %d tables and %d rows, it held %d and %d", line.Tables, line.Rows, l.st.Tables, l.st.Rows)
			}
			return nil
		case line.Table != "" && !notBackedUp[line.Table]:
			if err := l.table(ctx, tx, line.Table, line.Columns); err != nil {
				return fmt.Errorf("table %s: %w", line.Table, err)
			}
		default:
			return fmt.Errorf("unexpected line in the backup")
		}
	}
}

// table inserts one table's rows, in batches, up to its closing line.
func (l *loader) table(ctx context.Context, tx *sql.Tx, table string, cols []string) error {
	ins, err := l.db.newInserter(ctx, tx, table, cols)
	if err != nil {
		return err
	}
	fix := func([]any) error { return nil }
	if table == "data_keys" {
		fix = l.dataKeyRow(cols)
	}
	var n int64
	for {
		var raw json.RawMessage
		if err := l.dec.Decode(&raw); err != nil {
			return fmt.Errorf("the backup is cut short or damaged: %w", err)
		}
		if len(raw) > 0 && raw[0] == '{' {
			var end backupLine
			if err := json.Unmarshal(raw, &end); err != nil || end.End != table || end.Rows != n {
				return fmt.Errorf("the table's closing line does not match its %d rows", n)
			}
			l.st.Tables++
			l.st.Rows += n
			return ins.flush(ctx)
		}
		vals, err := decodeRow(raw, len(cols))
		if err != nil {
			return err
		}
		if err := fix(vals); err != nil {
			return err
		}
		if err := ins.add(ctx, vals); err != nil {
			return err
		}
		n++
	}
}

func decodeRow(raw json.RawMessage, n int) ([]any, error) {
	var cells []*string
	if err := json.Unmarshal(raw, &cells); err != nil || len(cells) != n {
		return nil, fmt.Errorf("a row does not match the table's %d columns", n)
	}
	vals := make([]any, n)
	for i, c := range cells {
		v, err := decodeCell(c)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// dataKeyRow re-wraps a data key from its escrow key to the master key.
// A patient data key whose escrow entry is gone (withdrawn since the
// backup) stays as it came, to be erased with its rows (eraseLost); a
// system key without its entry, or an entry that does not open its key,
// fails the restore: that is another database's escrow file.
func (l *loader) dataKeyRow(cols []string) func([]any) error {
	id, purpose, ver, wr := index(cols, "id"), index(cols, "purpose"), index(cols, "master_version"), index(cols, "wrapped")
	return func(vals []any) error {
		if min(id, purpose, ver, wr) < 0 {
			return errors.New("data_keys lacks id, purpose, master_version or wrapped")
		}
		k, _ := vals[id].(int64)
		p, _ := vals[purpose].(string)
		w, _ := vals[wr].([]byte)
		entry := escrowEntry(k, p)
		ek, ok := l.escrow[entry]
		if !ok && p == purposePatient {
			l.lost = append(l.lost, k)
			return nil
		}
		if !ok {
			return errors.New("the escrow key file has no entry for the system keys: it is not the escrow file of this backup's database")
		}
		dek, err := keyring.UnwrapEscrow(ek, entry, w)
		if err != nil {
			return fmt.Errorf("%w: wrong escrow key file for this backup?", err)
		}
		if vals[wr], err = l.db.keys.WrapUnder(l.master, dek); err != nil {
			return err
		}
		vals[ver] = int64(l.master)
		l.st.DataKeys++
		return nil
	}
}

// eraseLost erases what is sealed under each lost data key as a
// withdrawal leaves it once the kit is back (the data collection ends,
// open tickets close, sealed rows erased under the withdrawal policy),
// then drops the key.
func (l *loader) eraseLost(ctx context.Context, tx *sql.Tx) error {
	now := l.db.now().UTC()
	for _, k := range l.lost {
		var patient int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE data_key_id = $1`, k).Scan(&patient)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			if err := l.db.endForErasure(ctx, tx, patient, now); err != nil {
				return err
			}
			if err := l.db.eraseSealed(ctx, tx, patient, now); err != nil {
				return err
			}
			l.st.Erased++
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM data_keys WHERE id = $1`, k); err != nil {
			return err
		}
	}
	return nil
}

// endForErasure brings the installation of a patient erased at restore
// to where a withdrawal ends once the kit is back: a started data
// collection ends, open tickets are closed by the system and, if the kit
// was installed, a closed uninstallation ticket is recorded (inactive);
// the gateway's ingest tokens are revoked. Whether the kit really is
// back is for the field team: restore reports how many were erased.
func (db *DB) endForErasure(ctx context.Context, tx *sql.Tx, patient int64, now time.Time) error {
	stmts := []string{
		`UPDATE installations SET collection_end = $1, updated_at = $1
			WHERE patient_id = $2 AND collection_start IS NOT NULL AND collection_end IS NULL`,
		`UPDATE tickets SET closed_by = 'serenade', closed_at = $1
			WHERE closed_at IS NULL AND installation_id IN (SELECT id FROM installations WHERE patient_id = $2)`,
		`INSERT INTO tickets (installation_id, category, opened_by, opened_at, closed_by, closed_at)
			SELECT i.id, 'uninstallation', 'serenade', $1, 'serenade', $1 FROM installations i WHERE i.patient_id = $2
			AND EXISTS (SELECT 1 FROM tickets t WHERE t.installation_id = i.id AND t.category = 'installation')`,
		`UPDATE ingest_tokens SET revoked_at = $1
			WHERE revoked_at IS NULL AND installation_id IN (SELECT id FROM installations WHERE patient_id = $2)`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, now, patient); err != nil {
			return err
		}
	}
	return nil
}

// resetIdentities moves each PostgreSQL identity sequence past the
// highest id restored, so new rows do not collide with restored ones.
func (db *DB) resetIdentities(ctx context.Context, tx *sql.Tx) error {
	tables, err := db.backupTables(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		cols, err := db.identityColumns(ctx, tx, t)
		if err != nil {
			return err
		}
		for _, c := range cols {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`,
				quoteIdent(c), quoteIdent(t))
			if _, err := tx.ExecContext(ctx, q, quoteIdent(t), c); err != nil {
				return err
			}
		}
	}
	return nil
}

// inserter batches rows of one table into multi-row INSERTs.
type inserter struct {
	tx      *sql.Tx
	head    string // INSERT INTO t (cols) [OVERRIDING SYSTEM VALUE] VALUES
	ncols   int
	perStmt int
	pending []any
	// positional: SQLite binds "?" by position; its "$n" parameters are
	// looked up by name, one scan of all names per value, which made a
	// batch of thousands of values quadratic.
	positional bool
}

func (db *DB) newInserter(ctx context.Context, tx *sql.Tx, table string, cols []string) (*inserter, error) {
	if len(cols) == 0 {
		return nil, errors.New("no columns")
	}
	ids, err := db.identityColumns(ctx, tx, table)
	if err != nil {
		return nil, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	head := `INSERT INTO ` + quoteIdent(table) + ` (` + strings.Join(quoted, ", ") + `) `
	if len(ids) > 0 {
		head += `OVERRIDING SYSTEM VALUE `
	}
	return &inserter{tx: tx, head: head + `VALUES `, ncols: len(cols), perStmt: max(1, restoreParams/len(cols)),
		positional: db.dialect.name == sqliteDialect.name}, nil
}

func (in *inserter) add(ctx context.Context, vals []any) error {
	in.pending = append(in.pending, vals...)
	if len(in.pending)/in.ncols >= in.perStmt {
		return in.flush(ctx)
	}
	return nil
}

func (in *inserter) flush(ctx context.Context) error {
	rows := len(in.pending) / in.ncols
	if rows == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(in.head)
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range in.ncols {
			if c > 0 {
				b.WriteString(", ")
			}
			if in.positional {
				b.WriteByte('?')
			} else {
				b.WriteString("$" + strconv.Itoa(p))
			}
			p++
		}
		b.WriteByte(')')
	}
	_, err := in.tx.ExecContext(ctx, b.String(), in.pending...)
	in.pending = in.pending[:0]
	return err
}
