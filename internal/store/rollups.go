package store

import (
	"context"

	"serenade/internal/domain"
)

// Bucket is one rollup bucket of a stream: count, sum, min and max of
// the readings whose time falls in [StartMs, StartMs + tier).
type Bucket struct {
	StartMs  int64
	EndMs    int64 // excluded; set by the consultation's merge, 0 for a stored bucket
	Count    int64
	Sum      float64
	Min, Max float64
}

// Avg is the bucket's mean.
func (b Bucket) Avg() float64 { return b.Sum / float64(b.Count) }

// Rollups reads a stream's buckets of one tier (seconds, one of
// domain.RollupTiers) whose start lies in [fromMs, toMs), in time order:
// a year at the day tier is 365 rows, at the hour tier 8,760, whatever
// the number of readings. Buckets hold only readings that were written,
// so an empty bucket is absent.
func (db *DB) Rollups(ctx context.Context, streamID, tier, fromMs, toMs int64) ([]Bucket, error) {
	out, err := queryAll(ctx, db.read, func(s scanner) (Bucket, error) {
		var b Bucket
		return b, s.Scan(&b.StartMs, &b.Count, &b.Sum, &b.Min, &b.Max)
	}, `SELECT bucket_ms, n, total, min, max FROM rollups WHERE stream_id = $1 AND tier = $2 AND bucket_ms >= $3 AND bucket_ms < $4
		ORDER BY bucket_ms`, streamID, tier, fromMs, toMs)
	return out, wrapOp("rollups", err)
}

// Readings reads a stream's raw readings in [fromMs, toMs), in time
// order.
func (db *DB) Readings(ctx context.Context, streamID, fromMs, toMs int64) ([]domain.Reading, error) {
	out, err := queryAll(ctx, db.read, func(s scanner) (domain.Reading, error) {
		var r domain.Reading
		return r, s.Scan(&r.StreamID, &r.AtMs, &r.Value)
	}, `SELECT stream_id, at_ms, value FROM readings WHERE stream_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms`,
		streamID, fromMs, toMs)
	return out, wrapOp("readings", err)
}
