package ingest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// item is a batch item as a gateway sends it.
type item struct {
	Stream string  `json:"stream"`
	Time   int64   `json:"time"`
	Value  float64 `json:"value"`
}

func batch(t *testing.T, items []item) string {
	t.Helper()
	b, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRollupsEqualRawAggregates, on both backends: readings sent out of
// order, in overlapping batches, some re-sent with other values, leave
// every tier's buckets (count, min, max, sum, so avg) equal to the
// aggregate over the raw rows that were kept, computed by the database
// itself from the readings table.
func TestRollupsEqualRawAggregates(t *testing.T) {
	for _, seed := range []uint64{1, 7, 2026} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { rollupsAfterMessyIngest(t, seed) })
	}
}

func rollupsAfterMessyIngest(t *testing.T, seed uint64) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(3 * 24 * time.Hour) // three days of collection behind
		rng := rand.New(rand.NewPCG(seed, seed^0x5e7e))
		span := env.Clock.Now().Sub(h.start).Milliseconds()
		var sent []item
		for range 1500 {
			it := item{Stream: []string{"kitchen.motion", "tv.plug.power", "bedroom.temperature"}[rng.IntN(3)],
				Time: h.start.UnixMilli() + rng.Int64N(span), Value: math.Round(rng.NormFloat64()*1000) / 8}
			sent = append(sent, it)
		}
		for len(sent) > 0 { // overlapping batches in random order, duplicates and other values included
			n := min(len(sent), 1+rng.IntN(300))
			b := append([]item(nil), sent[:n]...)
			for i := range n / 5 {
				again := b[rng.IntN(n)]
				if i%2 == 0 {
					again.Value += 1 // a re-sent time with another value: the first one stays
				}
				b = append(b, again)
			}
			rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
			if _, err := h.send(t, batch(t, b)); err != nil {
				t.Fatal(err)
			}
			sent = sent[n:]
		}
		checkRollups(t, env, h.installation)
	})
}

// checkRollups compares every stream's rollups with the raw aggregate.
func checkRollups(t *testing.T, env *storetest.Env, installation int64) {
	t.Helper()
	streams, err := env.DB.Streams(context.Background(), installation)
	if err != nil || len(streams) == 0 {
		t.Fatalf("streams: %v %v", streams, err)
	}
	raw := env.Raw(t)
	for _, s := range streams {
		for _, tier := range domain.RollupTiers {
			got, err := env.DB.Rollups(context.Background(), s.ID, tier, math.MinInt64, math.MaxInt64)
			if err != nil {
				t.Fatal(err)
			}
			want := rawBuckets(t, raw, s.ID, tier)
			if len(got) != len(want) {
				t.Fatalf("%s tier %ds: %d buckets, raw rows make %d", s.Key, tier, len(got), len(want))
			}
			for i, g := range got {
				w := want[i]
				if g.StartMs != w.StartMs || g.Count != w.Count || g.Min != w.Min || g.Max != w.Max ||
					math.Abs(g.Avg()-w.Avg()) > 1e-9*math.Max(1, math.Abs(w.Avg())) {
					t.Fatalf("%s tier %ds bucket %d: rollup %+v, raw %+v", s.Key, tier, i, g, w)
				}
			}
		}
	}
}

// rawBuckets aggregates the raw readings in SQL (times are after 1970,
// so integer division floors).
func rawBuckets(t *testing.T, raw *sql.DB, streamID, tier int64) []store.Bucket {
	t.Helper()
	w := tier * 1000
	rows, err := raw.Query(`SELECT (at_ms / $1) * $1 AS b, COUNT(*), SUM(value), MIN(value), MAX(value)
		FROM readings WHERE stream_id = $2 GROUP BY b ORDER BY b`, w, streamID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []store.Bucket
	for rows.Next() {
		var b store.Bucket
		if err := rows.Scan(&b.StartMs, &b.Count, &b.Sum, &b.Min, &b.Max); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
