package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// withRetention is the ingest service over env's store with a retention
// of months.
func withRetention(t *testing.T, env *storetest.Env, months int) *ingest.Service {
	t.Helper()
	return ingest.New(ingest.Config{DB: env.DB, Audit: auditWriter(t, env), Pseudonyms: pseudonym.New(env.DB.PseudonymKey()),
		RetentionMonths: months})
}

// refusedAt checks that err refuses item index on its time with a 422.
func refusedAt(t *testing.T, what string, err error, index int) {
	t.Helper()
	var bad *ingest.BadItemError
	if !errors.As(err, &bad) || ingest.StatusOf(err) != 422 || bad.Index != index || bad.Field != "time" {
		t.Errorf("%s: %v (status %d), want item %d refused on its time with 422", what, err, ingest.StatusOf(err), index)
	}
}

// TestRetentionRefusesReadingsOlderThanItsWindow, on both backends: with
// a retention of N months, a reading before the first instant of the
// month N months before the current one (the partitions the worker
// drops) is refused naming its item and field, and the batch writes
// nothing; a reading at that instant is stored. Without a retention the
// same old reading is stored.
func TestRetentionRefusesReadingsOlderThanItsWindow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(200 * 24 * time.Hour) // about six and a half months of collection
		now := env.Clock.Now()
		for _, months := range []int{1, 2, 5} {
			t.Run(fmt.Sprint(months, " months"), func(t *testing.T) {
				h.svc = withRetention(t, env, months)
				cutoff := time.Date(now.Year(), now.Month()-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
				if !cutoff.Equal(store.RetentionCutoff(now, months)) || !cutoff.After(h.start) {
					t.Fatalf("cutoff %v, store's %v, collection start %v", cutoff, store.RetentionCutoff(now, months), h.start)
				}
				stream := fmt.Sprint("kitchen.m", months, ".motion")
				good := reading(stream, now.Add(-time.Minute), 1)
				before := fmt.Sprint(counts(t, env))
				_, err := h.send(t, array(good, reading(stream, cutoff.Add(-time.Millisecond), 1)))
				refusedAt(t, "a millisecond before the window", err, 1)
				_, err = h.send(t, array(good, good, reading(stream, h.start.Add(time.Hour), 1)))
				refusedAt(t, "the first hour of collection", err, 2)
				if after := fmt.Sprint(counts(t, env)); after != before {
					t.Errorf("refused batches wrote: tables went from %s to %s", before, after)
				}
				if ack := mustSend(t, h, array(good, reading(stream, cutoff, 2))); ack.Accepted != 2 {
					t.Errorf("the window's first instant: %+v", ack)
				}
			})
		}
		h.svc = service(t, env)
		if ack := mustSend(t, h, array(reading("hall.motion", h.start.Add(time.Hour), 1))); ack.Accepted != 1 {
			t.Errorf("without retention an old reading is stored: %+v", ack)
		}
	})
}

// TestFarTimesAreRefusedWithoutPartitions, on both backends: readings
// far in the past (before the installation existed) or far ahead are
// refused naming the item, and on PostgreSQL no partition is made for
// them; a reading of a month long past that has no partition yet, but
// within the installation's life, makes its month's partition and is
// stored.
func TestFarTimesAreRefusedWithoutPartitions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(150 * 24 * time.Hour)
		now := env.Clock.Now()
		good := reading("tv.plug.power", now.Add(-time.Minute), 5)
		for name, at := range map[string]time.Time{
			"1990":                          time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC),
			"the epoch":                     time.UnixMilli(0),
			"a day before the installation": h.start.Add(-24 * time.Hour),
			"year 9999":                     time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
			"a year ahead":                  now.AddDate(1, 0, 0),
		} {
			_, err := h.send(t, array(good, reading("tv.plug.power", at, 1)))
			refusedAt(t, name, err, 1)
		}
		parts, err := env.DB.Partitions(context.Background())
		if err != nil || len(parts) != 0 {
			t.Fatalf("partitions after refused batches: %v %v", parts, err)
		}
		old := h.start.Add(36 * time.Hour) // five months ago: no partition holds it yet
		if ack := mustSend(t, h, array(good, reading("tv.plug.power", old, 1))); ack.Accepted != 2 {
			t.Fatalf("%+v", ack)
		}
		if parts, err = env.DB.Partitions(context.Background()); err != nil || env.Backend == "postgres" && len(parts) != 2 {
			t.Errorf("partitions after the old and the current month's readings: %v %v", parts, err)
		}
		_, readings, _ := counts(t, env)
		if readings != 2 {
			t.Errorf("%d readings stored, want 2", readings)
		}
	})
}
