package store

import (
	"context"
	"fmt"
	"strings"

	"serenade/internal/domain"
)

// Consultation of sensor data (issue 10 §6): the reads behind the
// downsampled series, the CSV exports and the cohort export. Each read
// is one statement, so it sees one snapshot of readings and rollups
// (which are written in the same transaction), and rows are handed to a
// callback as they arrive: nothing here holds a range in memory.

// Stream reads one stream by id.
func (db *DB) Stream(ctx context.Context, id int64) (domain.Stream, error) {
	s, err := scanStream(db.read.QueryRowContext(ctx, streamQuery+` WHERE id = $1`, id))
	if err != nil {
		return s, notFound(err, "stream")
	}
	return s, nil
}

// LastReadings is, per stream of the installation, the time (ms) of its
// latest reading; a stream without readings is absent. Each is one
// descent of the readings' primary key.
func (db *DB) LastReadings(ctx context.Context, installationID int64) (map[int64]int64, error) {
	type last struct{ stream, at int64 }
	rows, err := queryAll(ctx, db.read, func(s scanner) (last, error) {
		var l last
		return l, s.Scan(&l.stream, &l.at)
	}, `SELECT s.id, (SELECT r.at_ms FROM readings r WHERE r.stream_id = s.id ORDER BY r.at_ms DESC LIMIT 1) AS at
		FROM streams s WHERE s.installation_id = $1 AND EXISTS (SELECT 1 FROM readings r WHERE r.stream_id = s.id)`, installationID)
	out := make(map[int64]int64, len(rows))
	for _, l := range rows {
		out[l.stream] = l.at
	}
	return out, wrapOp("last readings", err)
}

// Segment is a part of a range read at one resolution: the buckets of
// rollup tier Tier (seconds) whose start lies in [FromMs, ToMs), or, for
// Tier 0, the raw readings in [FromMs, ToMs).
type Segment struct {
	Tier         int64
	FromMs, ToMs int64
}

// AggregateSegments reads the segments of a stream in one statement
// (one snapshot) and aggregates them on the database into the buckets of
// a grid: bucket k holds the rollup buckets, and the raw readings (each
// a bucket of one), whose start s has (s − originMs) / widthMs = k
// (integer division; every segment starts at or after originMs). Each
// non-empty bucket is handed to fn once, with its index, in index order:
// the database returns at most one row per bucket, whatever the number
// of stored rows it reads (a year at the hour tier: 8,760 rows in, at
// most 1,000 out). fn's error stops the scan and is returned.
func (db *DB) AggregateSegments(ctx context.Context, streamID int64, segs []Segment, originMs, widthMs int64, fn func(k int64, b Bucket) error) error {
	if len(segs) == 0 {
		return nil
	}
	parts := make([]string, len(segs))
	args := []any{streamID, originMs, widthMs}
	for i, s := range segs {
		lo, hi := len(args)+1, len(args)+2
		args = append(args, s.FromMs, s.ToMs)
		if s.Tier == 0 {
			parts[i] = fmt.Sprintf(`SELECT at_ms AS s, 1 AS n, value AS total, value AS lo, value AS hi FROM readings WHERE stream_id = $1 AND at_ms >= $%d AND at_ms < $%d`, lo, hi)
			continue
		}
		parts[i] = fmt.Sprintf(`SELECT bucket_ms AS s, n, total, min AS lo, max AS hi FROM rollups WHERE stream_id = $1 AND tier = %d AND bucket_ms >= $%d AND bucket_ms < $%d`,
			s.Tier, lo, hi)
	}
	// The statement's text depends only on the segments' tiers (at most a
	// few shapes), so each connection prepares it once.
	q := `SELECT (s - $2) / $3 AS k, CAST(SUM(n) AS BIGINT), SUM(total), MIN(lo), MAX(hi) FROM (` +
		strings.Join(parts, " UNION ALL ") + `) AS seg GROUP BY k ORDER BY k`
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return wrapOp("aggregate segments", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var b Bucket
		if err := rows.Scan(&k, &b.Count, &b.Sum, &b.Min, &b.Max); err != nil {
			return wrapOp("aggregate segments", err)
		}
		if err := fn(k, b); err != nil {
			return err
		}
	}
	return wrapOp("aggregate segments", rows.Err())
}

// FirstReadings reads up to limit of a stream's raw readings in
// [fromMs, toMs), in time order: a range holding no more than a chart's
// points is drawn from them as they are.
func (db *DB) FirstReadings(ctx context.Context, streamID, fromMs, toMs int64, limit int) ([]domain.Reading, error) {
	out, err := queryAll(ctx, db.read, func(s scanner) (domain.Reading, error) {
		var r domain.Reading
		return r, s.Scan(&r.StreamID, &r.AtMs, &r.Value)
	}, `SELECT stream_id, at_ms, value FROM readings WHERE stream_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms LIMIT $4`,
		streamID, fromMs, toMs, limit)
	return out, wrapOp("readings", err)
}

// EachReading hands a stream's readings in [fromMs, toMs) to fn in time
// order as the database returns them (the export's constant memory).
// fn's error stops the scan and is returned.
func (db *DB) EachReading(ctx context.Context, streamID, fromMs, toMs int64, fn func(domain.Reading) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT at_ms, value FROM readings WHERE stream_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms`,
		streamID, fromMs, toMs)
	if err != nil {
		return wrapOp("each reading", err)
	}
	defer rows.Close()
	r := domain.Reading{StreamID: streamID}
	for rows.Next() {
		if err := rows.Scan(&r.AtMs, &r.Value); err != nil {
			return wrapOp("each reading", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return wrapOp("each reading", rows.Err())
}

// CohortStream is a stream that holds readings in a cohort export's
// range, with the installation and patient it belongs to.
type CohortStream struct {
	domain.Stream
	PatientID int64
}

// CohortStreams lists every stream of every installation that holds at
// least one reading in [fromMs, toMs) (one index probe per stream): what
// a cohort export will contain, known before its first byte is sent.
func (db *DB) CohortStreams(ctx context.Context, fromMs, toMs int64) ([]CohortStream, error) {
	out, err := queryAll(ctx, db.read, func(s scanner) (CohortStream, error) {
		var c CohortStream
		err := s.Scan(&c.ID, &c.InstallationID, &c.Key, &c.Kind, &c.Unit, &c.CadenceSeconds, &c.CreatedAt, &c.PatientID)
		c.CreatedAt = c.CreatedAt.UTC()
		return c, err
	}, `SELECT s.id, s.installation_id, s.key, s.kind, s.unit, s.cadence_s, s.created_at, i.patient_id
		FROM streams s JOIN installations i ON i.id = s.installation_id
		WHERE EXISTS (SELECT 1 FROM readings r WHERE r.stream_id = s.id AND r.at_ms >= $1 AND r.at_ms < $2)`, fromMs, toMs)
	return out, wrapOp("cohort streams", err)
}
