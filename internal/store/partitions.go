package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// PostgreSQL keeps readings in one range partition per calendar month
// (UTC) of their time, named readings_pYYYYMM. A month's partition is
// created when a write first needs it (IngestReadings, for the months of
// the readings it accepted) or ahead of
// time by the partition worker (PreparePartitions); whole months are
// dropped by the retention setting (DropPartitionsBefore). SQLite keeps
// one table: these are no-ops there.

// partitionLock is the transaction-level advisory lock key under which
// partitions are created or dropped, so that replicas take turns.
const partitionLock = 0x5e7e_0011

// monthStart is the first instant of the UTC month holding t.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// RetentionCutoff is the earliest time a retention of months (> 0)
// keeps at now: the first instant of the month that many months before
// now's. Partitions of months that end by it are dropped
// (DropPartitionsBefore), and readings before it are refused.
func RetentionCutoff(now time.Time, months int) time.Time {
	return monthStart(now).AddDate(0, -months, 0)
}

func partitionName(month time.Time) string {
	return fmt.Sprintf("readings_p%04d%02d", month.Year(), int(month.Month()))
}

// createPartitions creates the months' partitions that do not exist,
// under the partition lock.
func (db *DB) createPartitions(ctx context.Context, months []time.Time) error {
	err := runTx(ctx, db.write, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLock); err != nil {
			return err
		}
		for _, m := range months {
			// Names and bounds are computed here, never from input.
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF readings FOR VALUES FROM (%d) TO (%d)`,
				partitionName(m), m.UnixMilli(), m.AddDate(0, 1, 0).UnixMilli()))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range months {
		db.partitions.Store(m, true)
	}
	return nil
}

// PreparePartitions creates the partitions of the month holding now and
// of the ahead months after it (the partition worker's job), so that no
// write in that time waits for one. It is a no-op on SQLite.
func (db *DB) PreparePartitions(ctx context.Context, now time.Time, ahead int) error {
	if db.dialect.name != postgresDialect.name {
		return nil
	}
	var months []time.Time
	for i, m := 0, monthStart(now); i <= ahead; i, m = i+1, m.AddDate(0, 1, 0) {
		months = append(months, m)
	}
	return wrapOp("prepare partitions", db.createPartitions(ctx, months))
}

var partitionPattern = regexp.MustCompile(`^readings_p(\d{4})(\d{2})$`)

// Partitions lists the months that have a readings partition, oldest
// first (none on SQLite).
func (db *DB) Partitions(ctx context.Context) ([]time.Time, error) {
	if db.dialect.name != postgresDialect.name {
		return nil, nil
	}
	names, err := queryAll(ctx, db.read, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, `SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
		WHERE h.inhparent = 'readings'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, wrapOp("partitions", err)
	}
	var out []time.Time
	for _, n := range names {
		if m := partitionPattern.FindStringSubmatch(n); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			out = append(out, time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC))
		}
	}
	return out, nil
}

// DropPartitionsBefore drops the partitions of every month that ends
// at or before cutoff: those readings are gone for good. Rollups of those
// months are deleted in the same transaction, so they stay equal to the
// raw readings. It returns the months dropped; a no-op on SQLite.
func (db *DB) DropPartitionsBefore(ctx context.Context, cutoff time.Time) ([]time.Time, error) {
	months, err := db.Partitions(ctx)
	if err != nil || len(months) == 0 {
		return nil, err
	}
	var dropped []time.Time
	err = runTx(ctx, db.write, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLock); err != nil {
			return err
		}
		for _, m := range months {
			end := m.AddDate(0, 1, 0)
			if end.After(cutoff) {
				break
			}
			if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+partitionName(m)); err != nil {
				return err
			}
			// A day bucket never straddles months: a month starts at a UTC midnight.
			if _, err := tx.ExecContext(ctx, `DELETE FROM rollups WHERE bucket_ms >= $1 AND bucket_ms < $2`, m.UnixMilli(), end.UnixMilli()); err != nil {
				return err
			}
			dropped = append(dropped, m)
		}
		return nil
	})
	for _, m := range dropped {
		db.partitions.Delete(m)
	}
	return dropped, wrapOp("drop partitions", err)
}
