package api

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/consult"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/store"
)

// The exports stream rows from the database to the client as they are
// read: one stream's CSV, and the researchers' cohort export (gzip CSV
// or Parquet). The audit entry is written before the first byte (with
// status 200); a failure after it cannot change the status any more, so
// the connection is cut (http.ErrAbortHandler) instead of ending the
// body cleanly: the client sees a broken download, never a complete-
// looking truncated file.

// Media types of the exports.
const (
	mediaCSV     = "text/csv"
	mediaGzip    = "application/gzip"
	mediaParquet = "application/vnd.apache.parquet"
)

type streamCSVInput struct {
	StreamRef
	RangeQuery
}

type cohortInput struct {
	RangeQuery
	Format string `query:"format" default:"csv" enum:"csv,parquet" doc:"csv: gzip-compressed CSV (readings.csv.gz); parquet: Apache Parquet (readings.parquet)."`
}

// exportOutput is a streamed export; a cohort export lists its patients
// for the audit entry.
type exportOutput struct {
	listed
	Body func(huma.Context)
}

func binary(desc string, media ...string) *huma.Response {
	r := &huma.Response{Description: desc, Content: map[string]*huma.MediaType{}, Headers: map[string]*huma.Header{
		"Content-Disposition": {Required: true, Description: "attachment, with the file's name.", Schema: &huma.Schema{Type: "string"}},
	}}
	for _, m := range media {
		r.Content[m] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	return r
}

func (a *API) registerExports(tags []string) {
	register(a, access.StreamRead, huma.Operation{OperationID: "export-stream-csv", Method: http.MethodGet, Path: "/streams/{stream}/readings.csv", Tags: tags,
		Summary: "Export a stream's readings over a range as CSV", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "Columns time (RFC 3339, UTC, milliseconds) and value, one row per reading in time order, streamed from the database.",
		Responses:   map[string]*huma.Response{"200": binary("The readings as CSV.", mediaCSV)}}, a.exportStreamCSV)
	register(a, access.ReadingsExport, huma.Operation{OperationID: "export-cohort-readings", Method: http.MethodGet, Path: "/exports/readings", Tags: tags,
		Summary: "Export every installation's readings over a range", Errors: []int{http.StatusUnprocessableEntity},
		Description: "One row per reading: installation (the caller's pseudonym), stream (key), kind, unit, time, value; ordered by installation, " +
			"stream and time. Streamed as gzip CSV or Parquet (row groups of 65,536 rows). The audit entry names every patient whose readings it holds.",
		Metadata:  map[string]any{metaResource: resource.Stream.Collection()},
		Responses: map[string]*huma.Response{"200": binary("The readings, as format asks.", mediaGzip, mediaParquet)}}, a.exportCohort)
}

func (a *API) exportStreamCSV(ctx context.Context, in *streamCSVInput) (*exportOutput, error) {
	r, err := in.RangeQuery.check()
	if err != nil {
		return nil, err
	}
	if _, err := a.deps.Sensors.Stream(ctx, in.StreamRef.id); err != nil {
		return nil, err
	}
	id := in.StreamRef.id
	return &exportOutput{Body: func(hctx huma.Context) {
		attachment(hctx, mediaCSV+"; charset=utf-8", "readings.csv")
		w, err := consult.NewStreamCSV(hctx.BodyWriter())
		if err == nil {
			err = a.deps.Sensors.EachReading(hctx.Context(), id, r, func(rd domain.Reading) error {
				return w.Write(consult.Row{Time: msUTC(rd.AtMs), Value: rd.Value})
			})
		}
		a.endExport(hctx, w, err)
	}}, nil
}

func (a *API) exportCohort(ctx context.Context, in *cohortInput) (*exportOutput, error) {
	r, err := in.RangeQuery.check()
	if err != nil {
		return nil, err
	}
	streams, err := a.deps.Sensors.Cohort(ctx, r)
	if err != nil {
		return nil, err
	}
	v := a.viewer(ctx)
	type named struct {
		store.CohortStream
		installation string
	}
	rows := make([]named, len(streams))
	out := &exportOutput{}
	for i, s := range streams {
		rows[i] = named{s, v.Ref(resource.Installation, s.InstallationID)}
		if !slices.Contains(out.patients, s.PatientID) {
			out.patients = append(out.patients, s.PatientID)
		}
	}
	// Ordered by what the caller is shown, never by ids.
	slices.SortFunc(rows, func(x, y named) int {
		return cmp.Or(cmp.Compare(x.installation, y.installation), cmp.Compare(x.Key, y.Key))
	})
	format := in.Format
	out.Body = func(hctx huma.Context) {
		var w consult.RowWriter
		var err error
		if format == "parquet" {
			attachment(hctx, mediaParquet, "readings.parquet")
			w = consult.NewCohortParquet(hctx.BodyWriter())
		} else {
			attachment(hctx, mediaGzip, "readings.csv.gz")
			w, err = consult.NewCohortCSV(hctx.BodyWriter())
		}
		for _, s := range rows {
			if err != nil {
				break
			}
			row := consult.Row{Installation: s.installation, Stream: s.Key, Kind: string(s.Kind), Unit: s.Unit}
			err = a.deps.Sensors.EachReading(hctx.Context(), s.ID, r, func(rd domain.Reading) error {
				row.Time, row.Value = msUTC(rd.AtMs), rd.Value
				return w.Write(row)
			})
		}
		a.endExport(hctx, w, err)
	}
	return out, nil
}

// attachment sets an export's headers.
func attachment(hctx huma.Context, media, filename string) {
	hctx.SetHeader("Content-Type", media)
	hctx.SetHeader("Content-Disposition", `attachment; filename="`+filename+`"`)
	hctx.SetHeader("X-Content-Type-Options", "nosniff")
	hctx.SetHeader("Cache-Control", "no-store")
}

// endExport closes the export's file, or cuts the connection when it
// could not be written to its end (see the top of this file).
func (a *API) endExport(hctx huma.Context, w consult.RowWriter, err error) {
	if err == nil && w != nil {
		err = w.Close()
	}
	if err != nil {
		if hctx.Context().Err() == nil {
			a.deps.Log.ErrorContext(hctx.Context(), "export cut short", "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}
