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
// PostgreSQL the rows travel as arrays (unnest). A batch is most often
// new readings only, so it is first written as such: one statement
// inserts the readings without conflict handling and upserts the rollup
// buckets the service computed from them (a data-modifying WITH; a few
// dozen bucket rows travel, and nothing travels back). If one of the
// readings was stored already the statement fails on the primary key
// (unique violation): the transaction wrote nothing, and IngestReadings
// runs it again as a re-sent batch, whose statement inserts with ON
// CONFLICT DO NOTHING and rolls up only the rows it inserted (first
// write wins; a re-sent reading is never counted twice). SQLite has no
// arrays and no INSERT in WITH: the rows travel as one JSON array
// parameter (json_each), the insert (ON CONFLICT DO NOTHING) returns the
// new rows, and a second statement upserts their rollups; a statement
// costs no round trip there, so it has one way only.

// writeReadings inserts the readings (each key must be in ids), adds
// the new ones to every rollup tier, and returns how many were new.
// Unless resent, a reading stored already fails the statement on
// PostgreSQL with a unique violation (the transaction must then be
// rolled back and run again with resent).
func (db *DB) writeReadings(ctx context.Context, tx *sql.Tx, ids map[string]int64, rs []KeyedReading, resent bool) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	streams, ats, vals, err := sortedColumns(ids, rs)
	if err != nil {
		return 0, err
	}
	if db.dialect.name == postgresDialect.name && !resent {
		return len(streams), db.insertFreshPostgres(ctx, tx, streams, ats, vals)
	}
	if db.dialect.name == postgresDialect.name {
		var n int
		err := tx.QueryRowContext(ctx, pgWriteResent, streams, ats, vals, domain.RollupTiers).Scan(&n)
		return n, err
	}
	fresh, err := db.insertSQLite(ctx, tx, streams, ats, vals)
	if err != nil {
		return 0, err
	}
	return len(fresh), db.addToRollups(ctx, tx, fresh)
}

// insertFreshPostgres inserts readings none of which is stored yet, and
// upserts their rollup buckets, in one statement.
func (db *DB) insertFreshPostgres(ctx context.Context, tx *sql.Tx, streams, ats []int64, vals []float64) error {
	order, cells := rollupCellsOf(func(yield func(stream, at int64, v float64) bool) {
		for i := range streams {
			if !yield(streams[i], ats[i], vals[i]) {
				return
			}
		}
	})
	var b struct {
		stream, tier, bucket, n []int64
		sum, lo, hi             []float64
	}
	for _, k := range order {
		c := cells[k]
		b.stream, b.tier, b.bucket, b.n = append(b.stream, k.stream), append(b.tier, k.tier), append(b.bucket, k.bucket), append(b.n, c.n)
		b.sum, b.lo, b.hi = append(b.sum, c.sum), append(b.lo, c.min), append(b.hi, c.max)
	}
	_, err := tx.ExecContext(ctx, pgWriteFresh, streams, ats, vals, b.stream, b.tier, b.bucket, b.n, b.sum, b.lo, b.hi)
	return err
}

// pgWriteFresh inserts readings $1-$3 (none stored yet: a stored one
// fails the statement) and upserts the rollup buckets $4-$10 (stream,
// tier, bucket start, count, sum, min, max; in key order, as the
// readings: two batches never wait for each other's rows in opposite
// orders).
const pgWriteFresh = `WITH fresh AS (
		INSERT INTO readings (stream_id, at_ms, value)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])
	)
	INSERT INTO rollups (stream_id, tier, bucket_ms, n, total, min, max)
	SELECT * FROM unnest($4::bigint[], $5::integer[], $6::bigint[], $7::bigint[], $8::float8[], $9::float8[], $10::float8[])
	ON CONFLICT (stream_id, tier, bucket_ms) DO UPDATE SET n = rollups.n + excluded.n, total = rollups.total + excluded.total,
		min = LEAST(rollups.min, excluded.min), max = GREATEST(rollups.max, excluded.max)`

// pgWriteResent inserts $1-$3 keeping what is stored and upserts the
// rollups of the rows it inserted, for each tier of $4, in key order.
const pgWriteResent = `WITH fresh AS (
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
	order, cells := rollupCellsOf(func(yield func(stream, at int64, v float64) bool) {
		for _, r := range fresh {
			if !yield(r.StreamID, r.AtMs, r.Value) {
				return
			}
		}
	})
	return db.bulkUpsertRollups(ctx, tx, order, cells)
}

// rollupCellsOf aggregates readings (stream, time in ms, value) into
// the buckets of every tier of domain.RollupTiers, and returns the
// buckets in key order (stream, tier, start: the order every writer
// locks them in, so that two batches never deadlock) with their cells.
func rollupCellsOf(readings func(yield func(stream, at int64, v float64) bool)) ([]rollupKey, map[rollupKey]*rollupCell) {
	cells := map[rollupKey]*rollupCell{}
	var order []rollupKey
	readings(func(stream, at int64, v float64) bool {
		for _, tier := range domain.RollupTiers {
			k := rollupKey{stream, tier, domain.Bucket(at, tier)}
			c := cells[k]
			if c == nil {
				c = &rollupCell{}
				cells[k] = c
				order = append(order, k)
			}
			c.add(v)
		}
		return true
	})
	slices.SortFunc(order, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.tier, b.tier), cmp.Compare(a.bucket, b.bucket))
	})
	return order, cells
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
