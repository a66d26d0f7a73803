package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

const auditColumns = `seq, at, actor_subject, actor_username, roles, action, operation, resource_type, resource_ref,
	resource_audit, patient, outcome, status, request_id, trace_id, client_addr, format, patients_listed, prev_hash, hash`

// AppendAudit links a group of entries to the chain's head and stores
// them, durably, before it returns (auditwrite.go: a fixed few
// statements per group, not a few per entry). Several processes sharing
// one database extend one chain: on SQLite the write transaction is
// exclusive; on PostgreSQL the group is written only if the head is
// still the one it was linked to, and linked again to the new head
// otherwise.
func (db *DB) AppendAudit(ctx context.Context, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if db.dialect.name == postgresDialect.name {
		return wrapOp("append audit", db.appendAuditPostgres(ctx, entries))
	}
	return db.inTx(ctx, "append audit", func(tx *sql.Tx) error {
		var seq int64
		var hash []byte
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return err
		}
		link(seq, hash, entries)
		return appendEntriesSQLite(ctx, tx, entries)
	})
}

// link chains entries, in order, after the head (seq, hash).
func link(seq int64, hash []byte, entries []audit.Entry) {
	for i := range entries {
		audit.Link(seq, hash, &entries[i])
		seq, hash = entries[i].Seq, entries[i].Hash
	}
}

// scanAudit reads auditColumns, then the extra columns a query adds.
func scanAudit(s scanner, extra ...any) (audit.Entry, error) {
	var e audit.Entry
	var roles string
	dest := []any{&e.Seq, &e.Time, &e.ActorSubject, &e.ActorUsername, &roles, &e.Action, &e.Operation, &e.ResourceType,
		&e.ResourceRef, &e.ResourceAudit, &e.Patient, &e.Outcome, &e.Status, &e.RequestID, &e.TraceID, &e.ClientAddr, &e.Format, &e.Listed, &e.PrevHash, &e.Hash}
	err := s.Scan(append(dest, extra...)...)
	if roles != "" {
		e.Roles = strings.Split(roles, ",")
	}
	e.Time = e.Time.UTC()
	if e.PrevHash == nil {
		e.PrevHash = []byte{}
	}
	return e, err
}

// VerifyAudit checks the whole chain in stored order, in one snapshot,
// and returns the number of entries; a broken chain is an *audit.Problem
// naming the first bad entry. Each entry is read with its set of
// patients (one row per patient, LEFT JOIN), so a row added to or
// deleted from audit_patients breaks that entry's hash; rows naming no
// entry of the chain are a problem too.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var v audit.Verifier
	err := db.inReadTx(ctx, "verify audit", func(tx *sql.Tx) error {
		if err := verifyEntries(ctx, tx, &v); err != nil {
			return err
		}
		var seq int64
		var hash []byte
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return err
		}
		if err := v.Finish(seq, hash); err != nil {
			return err
		}
		return strayAuditPatients(ctx, tx, seq)
	})
	return v.Count(), err
}

// verifyEntries feeds the verifier every entry with its patients,
// streaming: consecutive rows of one seq make one entry.
func verifyEntries(ctx context.Context, tx *sql.Tx, v *audit.Verifier) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+qualifiedAuditColumns("l")+`, p.patient
		FROM audit_log l LEFT JOIN audit_patients p ON p.seq = l.seq ORDER BY l.seq, p.patient`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *audit.Entry
	for rows.Next() {
		var listed sql.NullString
		e, err := scanAudit(rows, &listed)
		if err != nil {
			return err
		}
		if cur == nil || cur.Seq != e.Seq {
			if cur != nil {
				if err := v.Next(*cur); err != nil {
					return err
				}
			}
			cur = &e
		}
		if listed.Valid {
			cur.Patients = append(cur.Patients, listed.String)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		return v.Next(*cur)
	}
	return nil
}

// strayAuditPatients refuses patient rows that belong to no entry of the
// verified chain (1..head): the join above never reads them.
func strayAuditPatients(ctx context.Context, tx *sql.Tx, head int64) error {
	var stray int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_patients WHERE seq < 1 OR seq > $1`, head).Scan(&stray); err != nil {
		return err
	}
	if stray > 0 {
		return &audit.Problem{Reason: strconv.FormatInt(stray, 10) + " patient rows name no entry of the chain (rows were added)"}
	}
	return nil
}

// qualifiedAuditColumns is auditColumns prefixed with a table alias.
func qualifiedAuditColumns(alias string) string {
	cols := strings.Split(auditColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// QueryAudit returns entries matching f in chain order, at most f.Limit
// (at most domain.AuditPageMax+1: a page and the entry after it).
func (db *DB) QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	add("seq > ?", f.After)
	if f.Actor != "" {
		add("actor_username = ?", f.Actor)
	}
	if f.Patient != "" {
		// The patient of a single read, or one of a list read's: both
		// sides are lookups in a (patient, seq) index.
		add("seq IN (SELECT seq FROM audit_log WHERE patient = ? UNION ALL SELECT seq FROM audit_patients WHERE patient = $"+strconv.Itoa(len(args)+1)+")", f.Patient)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	switch {
	case f.Limit <= 0:
		f.Limit = domain.AuditPageDefault
	case f.Limit > domain.AuditPageMax+1: // a page, and the one entry that says another follows
		f.Limit = domain.AuditPageMax + 1
	}
	args = append(args, f.Limit)
	out, err := queryAll(ctx, db.read, scanQueried, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq LIMIT $`+strconv.Itoa(len(args)), args...)
	return out, wrapOp("query audit", err)
}

// scanQueried reads an entry of a query, which reports how many
// patients it names (Entry.Listed) without loading them: a list read may
// name thousands.
func scanQueried(s scanner) (audit.Entry, error) { return scanAudit(s) }

// PatientOf returns the patient a resource belongs to, for the audit
// trail: the query joins the kind's lineage (resource.Kind.Lineage), so
// a new kind needs no change here.
func (db *DB) PatientOf(ctx context.Context, kind resource.Kind, id int64) (int64, error) {
	if kind == resource.Patient {
		return id, nil
	}
	var patient int64
	err := db.read.QueryRowContext(ctx, patientOfQuery(kind), id).Scan(&patient)
	return patient, wrapOp("patient of "+kind.Name, notFound(err, kind.Name))
}

// patientOfQuery selects the <patient>_id column of the last table before
// the patient, joining each kind to its parent by its <parent>_id column.
func patientOfQuery(kind resource.Kind) string {
	chain := kind.Lineage()
	q := "SELECT t" + strconv.Itoa(len(chain)-2) + "." + resource.Patient.Name + "_id FROM " + chain[0].Table + " t0"
	for i := 1; i < len(chain)-1; i++ {
		prev, cur := "t"+strconv.Itoa(i-1), "t"+strconv.Itoa(i)
		q += " JOIN " + chain[i].Table + " " + cur + " ON " + cur + ".id = " + prev + "." + chain[i].Name + "_id"
	}
	return q + " WHERE t0.id = $1"
}
