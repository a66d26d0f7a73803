package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/consult"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// Consultation of sensor data (issue 10 §6): an installation's streams,
// downsampled series of one or several streams, one stream's CSV and the
// cohort export (exports.go). Every route is audited with the patient of
// the installation it names (the cohort export: with every patient whose
// readings it holds); streams are named by the caller's references.

// StreamRef is the {stream} path parameter (exported: see PatientRef).
type StreamRef struct {
	Stream string `path:"stream" doc:"Stream id (doctors) or the caller's pseudonym of the stream."`
	id     int64  // resolved before the handler runs (refs.go)
}

func (r *StreamRef) refs() []ref { return []ref{{resource.Stream, r.Stream, &r.id}} }

// RangeQuery (exported so that huma reads the embedded fields) is a consultation's [from, to).
type RangeQuery struct {
	From time.Time `query:"from" required:"true" doc:"Start of the range (RFC 3339), included."`
	To   time.Time `query:"to" required:"true" doc:"End of the range (RFC 3339), excluded; at most 731 days after from."`
}

// check is the range as consult checked it; a refusal names query.to.
func (q RangeQuery) check() (consult.Range, error) {
	r, err := consult.CheckRange(q.From, q.To)
	return r, asQueryInvalid(err)
}

// SeriesQuery is a downsampled read's range and bound.
type SeriesQuery struct {
	RangeQuery
	MaxPoints int `query:"max_points" default:"1000" doc:"At most this many points or buckets are answered."`
}

type streamSeriesInput struct {
	StreamRef
	SeriesQuery
}

type installationSeriesInput struct {
	InstallationRef
	SeriesQuery
	Streams string `query:"streams" required:"true" doc:"The streams to read, comma-separated references (1 to 20), all of this installation."`
}

type streamListOutput struct {
	Body struct {
		Streams []view.StreamView `json:"streams"`
	}
}

type seriesOutput struct{ Body view.SeriesView }

type stackedOutput struct {
	Body struct {
		Installation string            `json:"installation"`
		Series       []view.SeriesView `json:"series" doc:"One series per stream asked for, in the order asked."`
	}
}

func (a *API) registerSensors() {
	tags := []string{"sensor data"}
	notes := " Times are UTC to the millisecond. Downsampled buckets are read from the rollups and equal the aggregate over the raw readings."
	register(a, access.StreamRead, huma.Operation{OperationID: "list-streams", Method: http.MethodGet, Path: "/installations/{installation}/streams", Tags: tags,
		Summary: "List the installation's streams", Errors: []int{http.StatusNotFound},
		Description: "Each stream with kind, unit, cadence, its latest reading time and its readings of the last 24 hours, ordered by key." + notes,
		Metadata:    map[string]any{metaResource: resource.Stream.Collection()}}, a.listStreams)
	register(a, access.StreamRead, huma.Operation{OperationID: "read-stream", Method: http.MethodGet, Path: "/streams/{stream}/readings", Tags: tags,
		Summary: "Read a stream over a range, downsampled", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "The readings in [from, to) as they are when there are at most max_points of them, otherwise at most max_points buckets " +
			"(time, min, max, avg, count)." + notes}, a.readStream)
	register(a, access.StreamRead, huma.Operation{OperationID: "read-installation-streams", Method: http.MethodGet, Path: "/installations/{installation}/readings", Tags: tags,
		Summary: "Read several streams of an installation over a range, downsampled", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "For stacked charts: each stream as read-stream answers it, over the same range." + notes}, a.readInstallationStreams)
	a.registerExports(tags)
}

func (a *API) listStreams(ctx context.Context, in *InstallationRef) (*streamListOutput, error) {
	if _, err := a.deps.Study.Installation(ctx, in.id); err != nil {
		return nil, err
	}
	sums, err := a.deps.Sensors.Summaries(ctx, in.id)
	if err != nil {
		return nil, err
	}
	v := a.viewer(ctx)
	out := &streamListOutput{}
	out.Body.Streams = make([]view.StreamView, len(sums))
	for i, s := range sums {
		out.Body.Streams[i] = v.Stream(s)
	}
	v.OrderStreams(out.Body.Streams)
	return out, nil
}

func (a *API) readStream(ctx context.Context, in *streamSeriesInput) (*seriesOutput, error) {
	r, n, err := in.SeriesQuery.check()
	if err != nil {
		return nil, err
	}
	st, err := a.deps.Sensors.Stream(ctx, in.StreamRef.id)
	if err != nil {
		return nil, err
	}
	s, err := a.deps.Sensors.Downsample(ctx, st, r, n)
	if err != nil {
		return nil, err
	}
	return &seriesOutput{Body: a.viewer(ctx).Series(s, r)}, nil
}

func (a *API) readInstallationStreams(ctx context.Context, in *installationSeriesInput) (*stackedOutput, error) {
	r, n, err := in.SeriesQuery.check()
	if err != nil {
		return nil, err
	}
	refs := strings.Split(in.Streams, ",")
	if in.Streams == "" || len(refs) > consult.MaxSeries {
		return nil, asQueryInvalid(domain.Invalid("streams", "name from 1 to %d streams", consult.MaxSeries))
	}
	v := a.viewer(ctx)
	out := &stackedOutput{}
	out.Body.Installation = v.Ref(resource.Installation, in.InstallationRef.id)
	for _, ref := range refs {
		id, err := v.Resolve(resource.Stream, ref)
		if err != nil {
			return nil, err
		}
		st, err := a.deps.Sensors.StreamOf(ctx, in.InstallationRef.id, id)
		if err != nil {
			return nil, err
		}
		s, err := a.deps.Sensors.Downsample(ctx, st, r, n)
		if err != nil {
			return nil, err
		}
		out.Body.Series = append(out.Body.Series, v.Series(s, r))
	}
	return out, nil
}

// check is the range and bound as consult checked them.
func (q SeriesQuery) check() (consult.Range, int, error) {
	r, err := q.RangeQuery.check()
	if err != nil {
		return r, 0, err
	}
	n, err := consult.CheckMaxPoints(q.MaxPoints)
	return r, n, asQueryInvalid(err)
}

// asQueryInvalid turns a domain validation error about a query
// parameter into the 422 that names it (query.<name>), as huma names its
// own.
func asQueryInvalid(err error) error {
	de, ok := err.(*domain.Error)
	if !ok || de.Kind != domain.KindInvalid {
		return err
	}
	return queryInvalid(de.Field, de.Message)
}

// msUTC is a time in ms since the epoch, in UTC.
func msUTC(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
