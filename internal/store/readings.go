package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"serenade/internal/domain"
)

// IngestTarget is what a batch of readings is judged against, read under
// a shared lock of the installation in the batch's own transaction: a
// withdrawal (which locks it for update) is wholly before or wholly after
// the batch, so no reading lands after the collection has ended.
type IngestTarget struct {
	TokenID, InstallationID, PatientID int64
	TokenRevoked                       bool
	TokenLastUsed                      *time.Time
	// Installation carries the dates a reading is judged by: CreatedAt,
	// CollectionStart and CollectionEnd.
	Installation domain.Installation
	Withdrawn    bool
	Streams      map[string]domain.Stream // the installation's streams, by key
	Now          time.Time                // the transaction's time
}

// KeyedReading is a reading named by its stream's key.
type KeyedReading struct {
	Key   string
	AtMs  int64
	Value float64
}

// IngestPlan is what the service decided a batch writes: the streams to
// create first (with key, kind, unit and cadence) and the readings, one
// per (key, time), each of a stream that exists or is created here.
type IngestPlan struct {
	NewStreams []domain.Stream
	Readings   []KeyedReading
	// TouchToken records the transaction's time as the token's last use.
	TouchToken bool
}

// IngestResult is what a batch wrote.
type IngestResult struct {
	Target     IngestTarget
	Inserted   int // new readings
	Duplicates int // readings whose (stream, time) was stored already: kept as first written
	NewStreams int
}

// IngestReadings writes one batch in one transaction: it reads the
// token's installation under a shared lock, hands plan what it found,
// then creates the streams plan asks for, inserts the readings (one
// statement for the whole batch; a (stream, time) already stored is left
// as it is: the first write wins) and adds the new readings to every
// rollup tier (in the same statement on PostgreSQL). The batch is durable
// when this returns nil; a plan error writes nothing.
//
// On PostgreSQL the months of the planned readings (only those: what
// plan refused never reaches the database) must have their partitions;
// when one is missing the transaction stops before writing, the
// partitions are created (their own transaction) and the batch runs
// again.
func (db *DB) IngestReadings(ctx context.Context, tokenID int64, plan func(IngestTarget) (IngestPlan, error)) (IngestResult, error) {
	// A batch that PostgreSQL aborted to break a deadlock (with partition
	// upkeep or another writer's locks) wrote nothing: it runs again. A
	// batch is first written as new readings only (writeReadings); when
	// one of them was stored already, nothing was written, and it runs
	// again keeping what is stored.
	resent, created := false, false
	for attempt := 1; ; attempt++ {
		res, err := db.ingestOnce(ctx, tokenID, plan, resent)
		var need *partitionsNeeded
		switch {
		case !created && errors.As(err, &need):
			if err := db.createPartitions(ctx, need.months); err != nil {
				return res, wrapOp("readings partitions", err)
			}
			created, attempt = true, attempt-1
			continue
		case !resent && isUniqueViolation(err):
			resent, attempt = true, attempt-1
			continue
		}
		if !isDeadlock(err) || attempt == 3 {
			return res, err
		}
	}
}

// partitionsNeeded stops a batch's transaction whose readings fall in
// months without a partition (PostgreSQL).
type partitionsNeeded struct{ months []time.Time }

func (e *partitionsNeeded) Error() string {
	return fmt.Sprintf("readings of %d months without a partition", len(e.months))
}

// checkPartitions is a *partitionsNeeded naming the months of rs whose
// partitions are not known to exist (nil when all are, and on SQLite).
func (db *DB) checkPartitions(rs []KeyedReading) error {
	if db.dialect.name != postgresDialect.name {
		return nil
	}
	var missing []time.Time
	for _, r := range rs {
		m := monthStart(time.UnixMilli(r.AtMs))
		if _, ok := db.partitions.Load(m); !ok && !slices.Contains(missing, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &partitionsNeeded{months: missing}
}

// ingestOnce writes the batch in one transaction; resent says that some
// of its readings may be stored already (writeReadings).
func (db *DB) ingestOnce(ctx context.Context, tokenID int64, plan func(IngestTarget) (IngestPlan, error), resent bool) (IngestResult, error) {
	var res IngestResult
	err := db.inTx(ctx, "ingest readings", func(tx *sql.Tx) error {
		target, err := db.ingestTarget(ctx, tx, tokenID)
		res = IngestResult{Target: target}
		if err != nil {
			return err
		}
		p, err := plan(target)
		if err != nil {
			return err
		}
		if len(p.NewStreams) > 0 {
			if target, p, err = db.replanUnderStreamLock(ctx, tx, target, plan); err != nil {
				return err
			}
			res.Target = target
		}
		if err := db.checkPartitions(p.Readings); err != nil {
			return err
		}
		ids, err := db.createStreams(ctx, tx, target, p.NewStreams)
		if err != nil {
			return err
		}
		res.NewStreams = len(p.NewStreams)
		if res.Inserted, err = db.writeReadings(ctx, tx, ids, p.Readings, resent); err != nil {
			return err
		}
		res.Duplicates = len(p.Readings) - res.Inserted
		if err := db.noteReadings(ctx, tx, target.PatientID, p.Readings); err != nil {
			return err
		}
		if p.TouchToken {
			_, err = tx.ExecContext(ctx, `UPDATE ingest_tokens SET last_used_at = $1 WHERE id = $2`, target.Now, tokenID)
		}
		return err
	})
	return res, err
}

// ingestTarget reads the token's installation (locked for share) and
// its streams, in one statement (one row per stream, at least one).
func (db *DB) ingestTarget(ctx context.Context, tx *sql.Tx, tokenID int64) (IngestTarget, error) {
	t := IngestTarget{TokenID: tokenID, Now: db.now().UTC(), Streams: map[string]domain.Stream{}}
	lock := ""
	if db.dialect.name == postgresDialect.name {
		lock = " FOR SHARE OF i"
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.installation_id, i.patient_id, t.last_used_at, t.revoked_at, p.withdrawn_at,
			i.created_at, i.collection_start, i.collection_end, s.id, s.key, s.kind, s.unit, s.cadence_s, s.created_at
		FROM ingest_tokens t JOIN installations i ON i.id = t.installation_id JOIN patients p ON p.id = i.patient_id
			LEFT JOIN streams s ON s.installation_id = i.id
		WHERE t.id = $1`+lock, tokenID)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		found = true
		if err := scanTargetRow(rows, &t); err != nil {
			return t, err
		}
	}
	if err := rows.Err(); err != nil || !found {
		return t, notFound(cmp.Or(err, sql.ErrNoRows), "ingest token")
	}
	return t, nil
}

// scanTargetRow reads one row of ingestTarget's statement into t: the
// token and installation (the same on every row) and a stream, if any.
func scanTargetRow(rows *sql.Rows, t *IngestTarget) error {
	var used, revoked, withdrawn, start, end, streamCreated sql.NullTime
	var id, cadence sql.NullInt64
	var key, kind, unit sql.NullString
	err := rows.Scan(&t.InstallationID, &t.PatientID, &used, &revoked, &withdrawn, &t.Installation.CreatedAt, &start, &end,
		&id, &key, &kind, &unit, &cadence, &streamCreated)
	if err != nil {
		return err
	}
	t.TokenLastUsed, t.TokenRevoked, t.Withdrawn = utcPtr(used), revoked.Valid, withdrawn.Valid
	t.Installation.ID, t.Installation.PatientID = t.InstallationID, t.PatientID
	t.Installation.CreatedAt = t.Installation.CreatedAt.UTC()
	t.Installation.CollectionStart, t.Installation.CollectionEnd = utcPtr(start), utcPtr(end)
	if id.Valid {
		t.Streams[key.String] = domain.Stream{ID: id.Int64, InstallationID: t.InstallationID, Key: key.String, Kind: domain.StreamKind(kind.String),
			Unit: unit.String, CadenceSeconds: int(cadence.Int64), CreatedAt: streamCreated.Time.UTC()}
	}
	return nil
}

// replanUnderStreamLock serialises the batches of one installation that
// create streams (PostgreSQL: a transaction-level advisory lock on the
// installation; SQLite has one writer already), reads the streams again
// (another batch may have created some since) and plans again, so that
// two batches never create the same stream or pass the limit together.
func (db *DB) replanUnderStreamLock(ctx context.Context, tx *sql.Tx, t IngestTarget, plan func(IngestTarget) (IngestPlan, error)) (IngestTarget, IngestPlan, error) {
	if db.dialect.name != postgresDialect.name {
		p, err := plan(t)
		return t, p, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, streamLockSpace, int32(t.InstallationID)); err != nil {
		return t, IngestPlan{}, err
	}
	streams, err := queryAll(ctx, tx, scanStream, streamQuery+` WHERE installation_id = $1`, t.InstallationID)
	if err != nil {
		return t, IngestPlan{}, err
	}
	t.Streams = make(map[string]domain.Stream, len(streams))
	for _, s := range streams {
		t.Streams[s.Key] = s
	}
	p, err := plan(t)
	return t, p, err
}

// streamLockSpace is the first key of the advisory locks that serialise
// stream creation per installation (the second is the installation id,
// folded to 32 bits: two installations sharing a lock only wait more).
const streamLockSpace = 0x5e7e

// createStreams inserts the new streams and returns every stream id of
// the installation by key.
func (db *DB) createStreams(ctx context.Context, tx *sql.Tx, t IngestTarget, fresh []domain.Stream) (map[string]int64, error) {
	ids := make(map[string]int64, len(t.Streams)+len(fresh))
	for k, s := range t.Streams {
		ids[k] = s.ID
	}
	for _, s := range fresh {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO streams (installation_id, key, kind, unit, cadence_s, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.InstallationID, s.Key, string(s.Kind), s.Unit, s.CadenceSeconds, t.Now).Scan(&id)
		if err != nil {
			return nil, err
		}
		ids[s.Key] = id
	}
	return ids, nil
}

const streamQuery = `SELECT id, installation_id, key, kind, unit, cadence_s, created_at FROM streams`

func scanStream(s scanner) (domain.Stream, error) {
	var st domain.Stream
	err := s.Scan(&st.ID, &st.InstallationID, &st.Key, &st.Kind, &st.Unit, &st.CadenceSeconds, &st.CreatedAt)
	st.CreatedAt = st.CreatedAt.UTC()
	return st, err
}

// Streams lists an installation's streams by key.
func (db *DB) Streams(ctx context.Context, installationID int64) ([]domain.Stream, error) {
	out, err := queryAll(ctx, db.read, scanStream, streamQuery+` WHERE installation_id = $1 ORDER BY key`, installationID)
	return out, wrapOp("streams", err)
}
