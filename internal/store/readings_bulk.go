package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"serenade/internal/domain"
)

// Bulk writes: one statement per batch, never one per reading. On
// PostgreSQL the rows travel as arrays (unnest), and one statement
// inserts them and adds the new ones to the rollups (a data-modifying
// WITH: no rows travel back). SQLite has no arrays and no INSERT in WITH:
// the rows travel as one JSON array parameter (json_each), the insert
// returns the new rows, and a second statement upserts their rollups.
// Both insert with ON CONFLICT DO NOTHING: only new readings reach the
// rollups.

// writeReadings inserts the readings (each key must be in ids), adds
// the new ones to every rollup tier, and returns how many were new.
func (db *DB) writeReadings(ctx context.Context, tx *sql.Tx, ids map[string]int64, rs []KeyedReading) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	streams, ats, vals, err := sortedColumns(ids, rs)
	if err != nil {
		return 0, err
	}
	if db.dialect.name == postgresDialect.name {
		var n int
		err := tx.QueryRowContext(ctx, pgWriteReadings, streams, ats, vals, domain.RollupTiers).Scan(&n)
		return n, err
	}
	fresh, err := db.insertSQLite(ctx, tx, streams, ats, vals)
	if err != nil {
		return 0, err
	}
	return len(fresh), db.addToRollups(ctx, tx, fresh)
}

// pgWriteReadings inserts $1-$3 and upserts the rollups of the rows it
// inserted, for each tier of $4, in key order (as the readings: two
// batches never wait for each other's rows in opposite orders).
const pgWriteReadings = `WITH fresh AS (
		INSERT INTO readings (stream_id, at_ms, value)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])
		ON CONFLICT (stream_id, at_ms) DO NOTHING RETURNING stream_id, at_ms, value
	), rolled AS (
		INSERT INTO rollups (stream_id, tier, bucket_ms, n, total, min, max)
		SELECT f.stream_id, t.tier, f.at_ms - f.at_ms % (t.tier * 1000) AS bucket, COUNT(*), SUM(f.value), MIN(f.value), MAX(f.value)
		FROM fresh f CROSS JOIN unnest($4::bigint[]) AS t(tier)
		GROUP BY f.stream_id, t.tier, bucket ORDER BY f.stream_id, t.tier, bucket
		ON CONFLICT (stream_id, tier, bucket_ms) DO UPDATE SET n = rollups.n + excluded.n, total = rollups.total + excluded.total,
			min = LEAST(rollups.min, excluded.min), max = GREATEST(rollups.max, excluded.max)
		RETURNING 1
	)
	SELECT COUNT(*) FROM fresh`

// sortedColumns turns the readings into columns in (stream, time) order,
// keeping the first of any repeated (stream, time). Sorted, two batches
// that overlap wait for each other's rows in the same order, so they
// never deadlock.
func sortedColumns(ids map[string]int64, rs []KeyedReading) (streams, ats []int64, vals []float64, err error) {
	type key struct{ stream, at int64 }
	values := make(map[key]float64, len(rs))
	keys := make([]key, 0, len(rs))
	for _, r := range rs {
		id, ok := ids[r.Key]
		if !ok {
			return nil, nil, nil, fmt.Errorf("reading of an unknown stream")
		}
		k := key{id, r.AtMs}
		if _, dup := values[k]; !dup { // the first occurrence wins
			keys = append(keys, k)
			values[k] = r.Value
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.at, b.at)) })
	streams, ats, vals = make([]int64, len(keys)), make([]int64, len(keys)), make([]float64, len(keys))
	for i, k := range keys {
		streams[i], ats[i], vals[i] = k.stream, k.at, values[k]
	}
	return streams, ats, vals, nil
}

// insertSQLite inserts the rows and returns those that were new.
func (db *DB) insertSQLite(ctx context.Context, tx *sql.Tx, streams, ats []int64, vals []float64) ([]domain.Reading, error) {
	type key struct{ stream, at int64 }
	values := make(map[key]float64, len(streams))
	rows := make([][3]any, len(streams))
	for i := range streams {
		rows[i] = [3]any{streams[i], ats[i], vals[i]}
		values[key{streams[i], ats[i]}] = vals[i]
	}
	doc, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	// WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
	res, err := tx.QueryContext(ctx, `INSERT INTO readings (stream_id, at_ms, value)
		SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]') FROM json_each($1) AS j WHERE true
		ON CONFLICT (stream_id, at_ms) DO NOTHING RETURNING stream_id, at_ms`, string(doc))
	if err != nil {
		return nil, err
	}
	defer res.Close()
	fresh := make([]domain.Reading, 0, len(streams))
	for res.Next() {
		var r domain.Reading
		if err := res.Scan(&r.StreamID, &r.AtMs); err != nil {
			return nil, err
		}
		r.Value = values[key{r.StreamID, r.AtMs}]
		fresh = append(fresh, r)
	}
	return fresh, res.Err()
}

// rollupKey is one bucket of one tier of one stream.
type rollupKey struct{ stream, tier, bucket int64 }

// rollupCell is min, max, sum and count of the readings in a bucket.
type rollupCell struct {
	n             int64
	sum, min, max float64
}

func (c *rollupCell) add(v float64) {
	if c.n == 0 || v < c.min {
		c.min = v
	}
	if c.n == 0 || v > c.max {
		c.max = v
	}
	c.n++
	c.sum += v
}

// addToRollups (SQLite) adds new readings to every tier's buckets: each bucket's
// count and sum grow, its min and max widen. Only new readings reach
// here, so a re-sent reading is never counted twice.
func (db *DB) addToRollups(ctx context.Context, tx *sql.Tx, fresh []domain.Reading) error {
	if len(fresh) == 0 {
		return nil
	}
	cells := map[rollupKey]*rollupCell{}
	var order []rollupKey
	for _, r := range fresh {
		for _, tier := range domain.RollupTiers {
			k := rollupKey{r.StreamID, tier, domain.Bucket(r.AtMs, tier)}
			c := cells[k]
			if c == nil {
				c = &rollupCell{}
				cells[k] = c
				order = append(order, k)
			}
			c.add(r.Value)
		}
	}
	// In key order, for the same reason as the readings.
	slices.SortFunc(order, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.tier, b.tier), cmp.Compare(a.bucket, b.bucket))
	})
	return db.bulkUpsertRollups(ctx, tx, order, cells)
}

func (db *DB) bulkUpsertRollups(ctx context.Context, tx *sql.Tx, order []rollupKey, cells map[rollupKey]*rollupCell) error {
	rows := make([][7]any, len(order))
	for i, k := range order {
		c := cells[k]
		rows[i] = [7]any{k.stream, k.tier, k.bucket, c.n, c.sum, c.min, c.max}
	}
	doc, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO rollups (stream_id, tier, bucket_ms, n, total, min, max)
		SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
			json_extract(j.value, '$[4]'), json_extract(j.value, '$[5]'), json_extract(j.value, '$[6]')
		FROM json_each($1) AS j WHERE true
		ON CONFLICT (stream_id, tier, bucket_ms) DO UPDATE SET n = rollups.n + excluded.n, total = rollups.total + excluded.total,
			min = min(rollups.min, excluded.min), max = max(rollups.max, excluded.max)`, string(doc))
	return err
}
