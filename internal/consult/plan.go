package consult

import (
	"serenade/internal/domain"
	"serenade/internal/store"
)

// A downsampled range is cut into buckets on a grid aligned to the
// rollup tier it is read from, so that every stored tier bucket falls in
// exactly one requested bucket, and the answer equals the aggregate over
// the raw rows exactly (counts, minima and maxima; sums up to the order
// of floating-point additions):
//
//   - the requested width is ceil((to − from) / max_points);
//   - the tier is the coarsest of domain.RollupTiers no wider than that
//     (none: raw rows);
//   - the grid starts at from cut down to the tier (origin) and its width
//     is the requested one rounded up to a whole number of tier buckets,
//     so at most max_points buckets cover [from, to); the first bucket
//     starts at from, the last ends at to;
//   - [from, to) is read as the tier's buckets wholly inside it, and its
//     unaligned edges from the finer tiers, down to raw rows for the
//     parts finer than a minute (decompose): at most seven segments, in
//     one statement.

// grid is the bucketing of a range.
type grid struct {
	from, to      int64 // the range, ms
	origin, width int64 // bucket i is [origin + i·width, origin + (i+1)·width) ∩ [from, to)
	n             int   // buckets
	tier          int64 // seconds; 0: raw rows
	segs          []store.Segment
}

// planGrid buckets [from, to) (ms, from < to) into at most maxPoints
// buckets (maxPoints ≥ 1).
func planGrid(from, to int64, maxPoints int) grid {
	want := ceilDiv(to-from, int64(maxPoints))
	g := grid{from: from, to: to}
	var tiers []int64 // usable tiers, coarsest first
	for i := len(domain.RollupTiers) - 1; i >= 0; i-- {
		if t := domain.RollupTiers[i]; t*1000 <= want {
			tiers = append(tiers, t)
		}
	}
	unit := int64(1)
	g.origin = from
	if len(tiers) > 0 {
		g.tier, unit = tiers[0], tiers[0]*1000
		g.origin = domain.Bucket(from, g.tier)
	}
	g.width = ceilDiv(ceilDiv(to-g.origin, int64(maxPoints)), unit) * unit
	g.n = int(ceilDiv(to-g.origin, g.width))
	g.segs = decompose(from, to, tiers, nil)
	return g
}

// decompose covers [a, b) with the buckets of the first tier (seconds)
// that lie wholly inside it, and the rest with the next tiers, raw rows
// last.
func decompose(a, b int64, tiers []int64, out []store.Segment) []store.Segment {
	if a >= b {
		return out
	}
	if len(tiers) == 0 {
		return append(out, store.Segment{FromMs: a, ToMs: b})
	}
	w := tiers[0] * 1000
	lo, hi := domain.Bucket(a, tiers[0]), domain.Bucket(b, tiers[0])
	if lo < a {
		lo += w
	}
	if lo >= hi {
		return decompose(a, b, tiers[1:], out)
	}
	out = decompose(a, lo, tiers[1:], out)
	out = append(out, store.Segment{Tier: tiers[0], FromMs: lo, ToMs: hi})
	return decompose(hi, b, tiers[1:], out)
}

// start is bucket i's first instant: its grid line, from for the first,
// to for the one after the last.
func (g grid) start(i int) int64 { return min(max(g.origin+int64(i)*g.width, g.from), g.to) }

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// merge adds a stored bucket (or a raw reading, a bucket of one) to an
// aggregate: min of minima, max of maxima, sum of sums, sum of counts.
func merge(acc *store.Bucket, b store.Bucket) {
	if acc.Count == 0 {
		acc.Min, acc.Max = b.Min, b.Max
	}
	acc.Min, acc.Max = min(acc.Min, b.Min), max(acc.Max, b.Max)
	acc.Count += b.Count
	acc.Sum += b.Sum
}
