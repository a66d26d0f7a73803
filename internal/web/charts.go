package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"serenade/internal/view"
)

// The stream charts: a range picker (last day, week, month, year, or
// custom dates), every stream of one installation stacked (static/js/
// charts.js draws them with uPlot and re-reads the visible range on
// zoom through chartSeries), a per-stream summary table (the charts'
// text alternative) and a CSV export link per stream for the range.

// chartRanges are the range picker's presets and their length.
var chartRanges = []struct {
	Code string
	Span func(time.Time) time.Time // the range's start, from its end
}{
	{"day", func(t time.Time) time.Time { return t.AddDate(0, 0, -1) }},
	{"week", func(t time.Time) time.Time { return t.AddDate(0, 0, -7) }},
	{"month", func(t time.Time) time.Time { return t.AddDate(0, -1, 0) }},
	{"year", func(t time.Time) time.Time { return t.AddDate(-1, 0, 0) }},
}

// chartSummaryPoints is the max_points of the read behind the summary
// table: the summary is exact whatever the bucket width (min of minima,
// max of maxima, average weighted by count).
const chartSummaryPoints = 1000

// chartRange is the range a charts request asks for: a preset ending now
// (to the minute, rounded up), or custom dates from and to (days in the
// user's time zone, to included). An unknown or inverted one is the
// last week.
type chartRange struct {
	Preset   string // day, week, month, year or custom
	From, To time.Time
}

// parseChartRange reads range, from and to from the query.
func parseChartRange(q url.Values, now time.Time, loc *time.Location) chartRange {
	end := now.UTC().Truncate(time.Minute).Add(time.Minute)
	preset := q.Get("range")
	if preset == "custom" {
		from, err1 := time.ParseInLocation(time.DateOnly, q.Get("from"), loc)
		to, err2 := time.ParseInLocation(time.DateOnly, q.Get("to"), loc)
		if err1 == nil && err2 == nil && !to.Before(from) {
			return chartRange{Preset: preset, From: from.UTC(), To: to.AddDate(0, 0, 1).UTC()}
		}
		preset = "week"
	}
	for _, p := range chartRanges {
		if p.Code == preset {
			return chartRange{Preset: preset, From: p.Span(end), To: end}
		}
	}
	return chartRange{Preset: "week", From: chartRanges[1].Span(end), To: end}
}

// query is the range as the API's from and to.
func (c chartRange) query() url.Values {
	return url.Values{"from": {c.From.Format(time.RFC3339)}, "to": {c.To.Format(time.RFC3339)}}
}

// streamSummary is one stream's line of the summary table over the
// range: Count readings, their minimum, maximum and average (zero and
// Empty when there are none).
type streamSummary struct {
	Stream, Key, Kind, Unit string
	Count                   int64
	Min, Max, Avg           float64
	Empty                   bool
	CSV                     string // the stream's CSV export over the range
}

// Readings is the count, for the locale's number format.
func (s streamSummary) Readings() int { return int(s.Count) }

// summarise computes a series' summary from its points or buckets.
func summarise(sv view.SeriesView) streamSummary {
	out := streamSummary{Stream: sv.Stream, Key: sv.Key, Kind: sv.Kind, Unit: sv.Unit, Min: math.Inf(1), Max: math.Inf(-1)}
	var sum float64
	for _, p := range sv.Points {
		out.Count++
		sum += p.Value
		out.Min, out.Max = math.Min(out.Min, p.Value), math.Max(out.Max, p.Value)
	}
	for _, b := range sv.Buckets {
		out.Count += b.Count
		sum += b.Avg * float64(b.Count)
		out.Min, out.Max = math.Min(out.Min, b.Min), math.Max(out.Max, b.Max)
	}
	if out.Count == 0 {
		out.Min, out.Max, out.Empty = 0, 0, true
		return out
	}
	out.Avg = sum / float64(out.Count)
	return out
}

// chartsData is the charts page.
type chartsData struct {
	Installation string
	Range        chartRange
	Presets      []string
	FromDate     string // the custom range's inputs (YYYY-MM-DD, the user's zone)
	ToDate       string
	Streams      []streamSummary
	SeriesURL    string // chartSeries for the range, which charts.js reads
	CSVBase      string // a stream's CSV export, to which charts.js appends the range
	Error        string // message id of a custom range refused, next to its inputs
}

// rangeRefused reports whether q asks a custom range that rg (what
// parseChartRange made of it) could not take as typed: dates that do
// not parse, an end before the start, or more days than the API reads
// at once. Such a range is said next to its inputs, never replaced by
// another range without a word.
func rangeRefused(q url.Values, rg chartRange) bool {
	return q.Get("range") == "custom" && (rg.Preset != "custom" || rg.To.Sub(rg.From) > exportMaxDays*24*time.Hour)
}

// chartsPage reads every stream of the installation over the range and
// renders the charts' frame and the summary table.
func (s *Server) chartsPage(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	loc := stateOf(r).loc.Zone()
	q := r.URL.Query()
	rg := parseChartRange(q, s.deps.Now(), loc)
	d := chartsData{Installation: ref, Range: rg, FromDate: rg.From.In(loc).Format(time.DateOnly),
		ToDate: rg.To.Add(-time.Nanosecond).In(loc).Format(time.DateOnly), CSVBase: "/research/streams/"}
	for _, p := range chartRanges {
		d.Presets = append(d.Presets, p.Code)
	}
	if rangeRefused(q, rg) {
		d.Range, d.FromDate, d.ToDate, d.Error = chartRange{Preset: "custom"}, q.Get("from"), q.Get("to"), "exports.range_invalid"
		return s.render(w, http.StatusUnprocessableEntity, "charts", s.page(r, "charts.title", d))
	}
	var streams struct {
		Streams []view.StreamView `json:"streams"`
	}
	c := s.client(r)
	if err := c.Get("/installations/"+url.PathEscape(ref)+"/streams", nil, &streams); err != nil {
		return err
	}
	if len(streams.Streams) > 0 {
		series, err := s.readSeries(r, ref, streams.Streams, rg.query(), chartSummaryPoints)
		if err != nil {
			return err
		}
		for _, sv := range series {
			sum := summarise(sv)
			sum.CSV = "/research/streams/" + url.PathEscape(sv.Stream) + "/readings.csv?" + rg.query().Encode()
			d.Streams = append(d.Streams, sum)
		}
		q := rg.query()
		q.Set("streams", streamRefs(streams.Streams))
		d.SeriesURL = "/research/installations/" + url.PathEscape(ref) + "/series?" + q.Encode()
	}
	return s.render(w, http.StatusOK, "charts", s.page(r, "charts.title", d))
}

// streamRefs joins the first consult.MaxSeries streams' references.
func streamRefs(ss []view.StreamView) string {
	refs := make([]string, 0, len(ss))
	for i, st := range ss {
		if i == maxChartSeries {
			break
		}
		refs = append(refs, st.ID)
	}
	return strings.Join(refs, ",")
}

// maxChartSeries is the API's bound on the streams of one stacked read.
const maxChartSeries = 20

// readSeries reads the streams of an installation over a range
// (GET /installations/{installation}/readings).
func (s *Server) readSeries(r *http.Request, ref string, ss []view.StreamView, q url.Values, maxPoints int) ([]view.SeriesView, error) {
	q.Set("streams", streamRefs(ss))
	q.Set("max_points", strconv.Itoa(maxPoints))
	var out struct {
		Series []view.SeriesView `json:"series"`
	}
	err := s.client(r).Get("/installations/"+url.PathEscape(ref)+"/readings", q, &out)
	return out.Series, err
}

// chartSeries relays the API's stacked read for charts.js: from, to,
// streams and max_points as the script asks (the API checks them; a
// refusal is a problem+json the script shows).
func (s *Server) chartSeries(w http.ResponseWriter, r *http.Request) error {
	q := url.Values{}
	for _, k := range []string{"from", "to", "streams", "max_points"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return s.relay(w, r, "/installations/"+url.PathEscape(r.PathValue("installation"))+"/readings", q, true)
}
