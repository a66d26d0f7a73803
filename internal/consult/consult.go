// Package consult is the consultation of sensor data (SPEC §7, issue 10
// §6): an installation's streams, one or several streams over a range
// downsampled from the rollups, and the exports (one stream as CSV, every
// installation as gzip CSV or Parquet), streamed from the database in
// constant memory. Access, references and audit are the caller's (the
// API): this package holds the rules (range bounds, the bucketing) over
// the store's reads.
package consult

import (
	"context"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// Bounds of one consultation.
const (
	// MaxPoints bounds max_points, the buckets of a downsampled series;
	// DefaultMaxPoints is what a request without it gets.
	MaxPoints        = domain.MaxPoints
	DefaultMaxPoints = 1_000
	// MaxRange bounds [from, to) of one call: two years (731 days) of
	// per-second data downsample from a few thousand rollup rows, and an
	// export of them is one long but bounded download.
	MaxRange = 731 * 24 * time.Hour
	// MaxSeries bounds the streams of one stacked-chart call.
	MaxSeries = domain.MaxSeries
)

// Service answers consultations over the store.
type Service struct{ db *store.DB }

// New returns the consultation service over db.
func New(db *store.DB) *Service { return &Service{db: db} }

// Range is a checked [From, To) in milliseconds since the Unix epoch.
type Range struct{ FromMs, ToMs int64 }

// CheckRange checks a requested range: from before to, at most MaxRange
// apart. Errors are domain.KindInvalid naming the query parameter
// ("to"), whose message says the bound.
func CheckRange(from, to time.Time) (Range, error) {
	r := Range{FromMs: from.UnixMilli(), ToMs: to.UnixMilli()}
	switch {
	case r.ToMs <= r.FromMs:
		return r, domain.Invalid("to", "must be after from (the range is [from, to), to milliseconds)")
	case r.ToMs-r.FromMs > MaxRange.Milliseconds():
		return r, domain.Invalid("to", "must be at most %d days after from", int(MaxRange.Hours()/24))
	}
	return r, nil
}

// CheckMaxPoints checks max_points (0: the default).
func CheckMaxPoints(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultMaxPoints, nil
	case n < 1 || n > MaxPoints:
		return 0, domain.Invalid("max_points", "must be from 1 to %d", MaxPoints)
	}
	return n, nil
}

// StreamOf reads a stream of an installation: a stream of another
// installation is not found, as one that does not exist.
func (s *Service) StreamOf(ctx context.Context, installationID, streamID int64) (domain.Stream, error) {
	st, err := s.db.Stream(ctx, streamID)
	if err == nil && st.InstallationID != installationID {
		return domain.Stream{}, domain.NotFound("no such stream")
	}
	return st, err
}

// Stream reads a stream by id (domain.KindNotFound when there is none).
func (s *Service) Stream(ctx context.Context, streamID int64) (domain.Stream, error) {
	return s.db.Stream(ctx, streamID)
}

// Summary is a stream with its latest reading and its readings of the
// last 24 hours.
type Summary struct {
	domain.Stream
	LastReading *time.Time // nil: no reading yet
	Last24h     int64      // readings in [now − 24 h, now)
}

// Summaries lists an installation's streams by key with their latest
// reading time and their count of the last 24 hours (read from the
// rollups: a few rows per stream).
func (s *Service) Summaries(ctx context.Context, installationID int64) ([]Summary, error) {
	streams, err := s.db.Streams(ctx, installationID)
	if err != nil {
		return nil, err
	}
	last, err := s.db.LastReadings(ctx, installationID)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UnixMilli()
	day := Range{FromMs: now - (24 * time.Hour).Milliseconds(), ToMs: now}
	out := make([]Summary, len(streams))
	for i, st := range streams {
		out[i].Stream = st
		if at, ok := last[st.ID]; ok {
			t := time.UnixMilli(at).UTC()
			out[i].LastReading = &t
		}
		agg, err := s.aggregate(ctx, st.ID, day)
		if err != nil {
			return nil, err
		}
		out[i].Last24h = agg.Count
	}
	return out, nil
}

// aggregate is count, sum, min and max of a stream's readings in r:
// one bucket, aggregated on the database.
func (s *Service) aggregate(ctx context.Context, streamID int64, r Range) (store.Bucket, error) {
	var acc store.Bucket
	g := planGrid(r.FromMs, r.ToMs, 1)
	err := s.db.AggregateSegments(ctx, streamID, g.segs, g.origin, g.width, func(_ int64, b store.Bucket) error {
		merge(&acc, b)
		return nil
	})
	return acc, err
}

// Point is one raw reading.
type Point struct {
	AtMs  int64
	Value float64
}

// Series is one stream over a range: its raw readings when the range
// holds at most max_points of them (Raw), otherwise at most max_points
// buckets of BucketMs each (the first starting at the range's start,
// the last ending at its end; buckets without readings left out), each
// with count, sum, min and max. Tier is the rollup tier (seconds) the
// buckets were read from, 0 for raw rows.
type Series struct {
	Stream   domain.Stream
	Raw      bool
	Points   []Point
	Buckets  []store.Bucket
	BucketMs int64
	Tier     int64
}

// Downsample reads a stream over r as at most maxPoints points. The
// buckets are aggregated on the database from the coarsest rollup tier
// that fills maxPoints (planGrid): one statement, at most maxPoints rows
// back. Only when they count no more than maxPoints readings are the raw
// readings read instead (a second statement, at most maxPoints + 1 rows:
// a reading that arrived meanwhile can make them too many, and the
// buckets are answered).
func (s *Service) Downsample(ctx context.Context, st domain.Stream, r Range, maxPoints int) (Series, error) {
	out := Series{Stream: st}
	g := planGrid(r.FromMs, r.ToMs, maxPoints)
	cells := make([]store.Bucket, 0, g.n)
	var total int64
	err := s.db.AggregateSegments(ctx, st.ID, g.segs, g.origin, g.width, func(k int64, b store.Bucket) error {
		b.StartMs, b.EndMs = g.start(int(k)), g.start(int(k)+1)
		cells = append(cells, b)
		total += b.Count
		return nil
	})
	if err != nil {
		return out, err
	}
	if total <= int64(maxPoints) {
		raw, err := s.db.FirstReadings(ctx, st.ID, r.FromMs, r.ToMs, maxPoints+1)
		if err != nil {
			return out, err
		}
		if len(raw) <= maxPoints {
			out.Raw, out.Points = true, make([]Point, len(raw))
			for i, p := range raw {
				out.Points[i] = Point{AtMs: p.AtMs, Value: p.Value}
			}
			return out, nil
		}
	}
	out.BucketMs, out.Tier, out.Buckets = g.width, g.tier, cells
	return out, nil
}

// EachReading hands a stream's readings in r to fn in time order, as the
// database returns them.
func (s *Service) EachReading(ctx context.Context, streamID int64, r Range, fn func(domain.Reading) error) error {
	return s.db.EachReading(ctx, streamID, r.FromMs, r.ToMs, fn)
}

// Cohort lists the streams that hold readings in r, with their
// installation and patient: the content of a cohort export, known before
// it is sent (its audit entry names these patients).
func (s *Service) Cohort(ctx context.Context, r Range) ([]store.CohortStream, error) {
	return s.db.CohortStreams(ctx, r.FromMs, r.ToMs)
}
