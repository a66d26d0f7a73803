package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/consult"
	"serenade/internal/resource"
)

// Sensor data as every role granted stream.read is shown it: the stream
// and installation by the caller's reference, the stream's key, kind and
// unit, and reading times exactly (to the millisecond): they are the data
// researchers study and monitoring watches, and are allowed to join those
// roles' outputs (docs/design.md, "Linkage between roles"). The stream's
// creation is a record time, at the caller's precision.

// StreamView is one stream of an installation.
type StreamView struct {
	ID             string     `json:"id" doc:"The caller's reference of the stream (its id for doctors, the caller's pseudonym otherwise)."`
	Installation   string     `json:"installation"`
	Key            string     `json:"key" doc:"The stream's key, as the gateway names it (e.g. kitchen.motion)."`
	Kind           string     `json:"kind" enum:"motion,contact,power,energy,temperature,humidity,presence,pressure,other"`
	Unit           string     `json:"unit" doc:"UCUM unit of the values: W, Wh, Cel, %, 1 for binary."`
	CadenceSeconds int        `json:"cadence_s" doc:"Expected seconds between readings; 0 for an event-driven stream."`
	CreatedAt      time.Time  `json:"created_at" doc:"When the stream was first written (to the caller's precision of record times)."`
	LastReadingAt  *time.Time `json:"last_reading_at,omitempty" doc:"Time of the latest reading (exact, UTC); absent when none."`
	Readings24h    int64      `json:"readings_24h" doc:"Readings whose time is within the 24 hours before the request."`
}

// Stream is the viewer's view of a stream summary.
func (v Viewer) Stream(s consult.Summary) StreamView {
	return StreamView{ID: v.Ref(resource.Stream, s.ID), Installation: v.Ref(resource.Installation, s.InstallationID), Key: s.Key,
		Kind: string(s.Kind), Unit: s.Unit, CadenceSeconds: s.CadenceSeconds, CreatedAt: v.At(access.RecordTimes, s.CreatedAt),
		LastReadingAt: s.LastReading, Readings24h: s.Last24h}
}

// PointView is one raw reading.
type PointView struct {
	Time  time.Time `json:"time" doc:"The reading's time (exact, UTC, milliseconds)."`
	Value float64   `json:"value"`
}

// BucketView is one bucket of a downsampled series.
type BucketView struct {
	Time  time.Time `json:"time" doc:"The bucket's start (UTC, included): from for the first bucket, a grid line of the bucket width otherwise."`
	End   time.Time `json:"end" doc:"The bucket's end (UTC, excluded): the next grid line, to for the last bucket."`
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Avg   float64   `json:"avg"`
	Count int64     `json:"count" minimum:"1"`
}

// SeriesView is one stream over [from, to): raw points when the range
// holds at most max_points readings, buckets otherwise.
type SeriesView struct {
	Stream        string       `json:"stream" doc:"The caller's reference of the stream."`
	Key           string       `json:"key"`
	Kind          string       `json:"kind" enum:"motion,contact,power,energy,temperature,humidity,presence,pressure,other"`
	Unit          string       `json:"unit"`
	From          time.Time    `json:"from"`
	To            time.Time    `json:"to"`
	Resolution    string       `json:"resolution" enum:"raw,buckets" doc:"raw: points holds every reading of the range; buckets: buckets holds the readings aggregated."`
	BucketSeconds float64      `json:"bucket_s" doc:"Width of the buckets in seconds (a whole number of the rollup tier they were read from); 0 for raw."`
	Points        []PointView  `json:"points" doc:"Every reading, in time order (resolution raw; empty otherwise)."`
	Buckets       []BucketView `json:"buckets" doc:"Buckets holding readings, in time order (resolution buckets; empty otherwise). Buckets without readings are left out."`
}

// Series is the viewer's view of a downsampled series over r.
func (v Viewer) Series(s consult.Series, r consult.Range) SeriesView {
	out := SeriesView{Stream: v.Ref(resource.Stream, s.Stream.ID), Key: s.Stream.Key, Kind: string(s.Stream.Kind), Unit: s.Stream.Unit,
		From: msTime(r.FromMs), To: msTime(r.ToMs), Resolution: "buckets", BucketSeconds: float64(s.BucketMs) / 1000,
		Points: []PointView{}, Buckets: make([]BucketView, len(s.Buckets))}
	if s.Raw {
		out.Resolution, out.Points = "raw", make([]PointView, len(s.Points))
		for i, p := range s.Points {
			out.Points[i] = PointView{Time: msTime(p.AtMs), Value: p.Value}
		}
	}
	for i, b := range s.Buckets {
		out.Buckets[i] = BucketView{Time: msTime(b.StartMs), End: msTime(b.EndMs), Min: b.Min, Max: b.Max, Avg: b.Avg(), Count: b.Count}
	}
	return out
}

// msTime is a time in ms since the epoch, in UTC.
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// OrderStreams sorts an installation's streams by key (what every role
// is shown), never by id.
func (v Viewer) OrderStreams(xs []StreamView) {
	orderFor(v, xs, func(x StreamView) []string { return []string{x.Key, x.ID} })
}
