package consult

import (
	"math/rand/v2"
	"testing"
	"time"

	"serenade/internal/domain"
)

// TestGridTilesTheRangeOnTierLines: for random ranges and max_points,
// the segments tile [from, to) in order without gap or overlap, each
// tier segment starts and ends on its tier's lines and is never wider
// than the grid's tier, there are at most max_points buckets, every grid
// line is a multiple of the tier, and no segment's stored bucket (or raw
// reading) straddles a grid line.
func TestGridTilesTheRangeOnTierLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2026))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for range 5000 {
		from := base + rng.Int64N(400*86400*1000)
		to := from + 1 + rng.Int64N([]int64{1000, 3600 * 1000, 86400 * 1000, 731 * 86400 * 1000}[rng.IntN(4)])
		maxPoints := 1 + rng.IntN([]int{3, 100, MaxPoints}[rng.IntN(3)])
		g := planGrid(from, to, maxPoints)
		if g.n < 1 || g.n > maxPoints || g.start(0) != from || g.start(g.n) != to {
			t.Fatalf("[%d, %d) max %d: %d buckets from %d to %d", from, to, maxPoints, g.n, g.start(0), g.start(g.n))
		}
		if g.tier > 0 && (g.width%(g.tier*1000) != 0 || g.origin%(g.tier*1000) != 0 || g.width < (to-from)/int64(maxPoints)) {
			t.Fatalf("grid %+v not on tier lines", g)
		}
		at := from
		for _, s := range g.segs {
			if s.FromMs != at || s.ToMs <= s.FromMs || s.Tier > g.tier {
				t.Fatalf("[%d, %d) max %d: segment %+v after %d (tier %d)", from, to, maxPoints, s, at, g.tier)
			}
			if w := s.Tier * 1000; s.Tier > 0 {
				if s.FromMs%w != 0 || s.ToMs%w != 0 {
					t.Fatalf("segment %+v off its tier's lines", s)
				}
				for b := s.FromMs; b < s.ToMs; b += max(w, (s.ToMs-s.FromMs)/50) {
					b = domain.Bucket(b, s.Tier)
					if g.index(b) != g.index(b+w-1) {
						t.Fatalf("bucket %d of tier %d straddles grid %+v", b, s.Tier, g)
					}
				}
			}
			at = s.ToMs
		}
		if at != to || len(g.segs) > 7 {
			t.Fatalf("[%d, %d): %d segments end at %d", from, to, len(g.segs), at)
		}
	}
}

// TestCheckRangeAndMaxPoints: the bounds and the parameter each refusal
// names.
func TestCheckRangeAndMaxPoints(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		to time.Time
		ok bool
	}{{t0, false}, {t0.Add(-time.Millisecond), false}, {t0.Add(time.Millisecond), true}, {t0.Add(MaxRange), true}, {t0.Add(MaxRange + time.Millisecond), false}} {
		_, err := CheckRange(t0, c.to)
		if (err == nil) != c.ok || (err != nil && err.(*domain.Error).Field != "to") {
			t.Errorf("to %v: %v", c.to, err)
		}
	}
	for n, want := range map[int]int{0: DefaultMaxPoints, 1: 1, MaxPoints: MaxPoints, -1: 0, MaxPoints + 1: 0} {
		got, err := CheckMaxPoints(n)
		if got != want || (want == 0) != (err != nil) {
			t.Errorf("max_points %d: %d %v", n, got, err)
		}
	}
}

// index is the bucket holding time at (ms, in [from, to)): the rule
// store.AggregateSegments applies in SQL, (at − origin) / width.
func (g grid) index(at int64) int { return int((at - g.origin) / g.width) }
