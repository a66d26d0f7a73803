package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"serenade/internal/api"
)

// Downloads of the researcher's pages: a stream's CSV over a range, a
// document, and the cohort export (gzip CSV or Parquet). The API answer
// is relayed to the browser as it is written, never held in memory (a
// year of a stream is megabytes), with its media type and attachment
// name; an API refusal becomes the error page.

// relayedHeaders are the API answer's headers a download keeps.
var relayedHeaders = []string{"Content-Type", "Content-Disposition", "Content-Length"}

// relay serves GET path (under /api/v1, with query) as the session and
// streams a 2xx answer to w. A non-2xx answer is returned as a *Problem
// (the error page), or, when asJSON, relayed as the API's problem+json
// for a script.
func (s *Server) relay(w http.ResponseWriter, r *http.Request, path string, query url.Values, asJSON bool) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	req := httptest.NewRequestWithContext(r.Context(), http.MethodGet, api.Prefix+path, nil)
	s.client(r).prepare(req)
	req.Header.Set("Accept", "*/*")
	rw := &relayWriter{w: w, header: http.Header{}, asJSON: asJSON}
	s.deps.API.ServeHTTP(rw, req)
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.status < 300 || asJSON {
		return nil
	}
	p := &Problem{}
	_ = json.Unmarshal(rw.refused.Bytes(), p)
	p.Status = rw.status
	return p
}

// relayWriter passes a 2xx answer through to the browser and keeps a
// refusal's (small) body to turn into a page.
type relayWriter struct {
	w       http.ResponseWriter
	header  http.Header
	status  int
	asJSON  bool
	refused bytes.Buffer
}

// maxRefusal bounds the problem body kept from a refusal.
const maxRefusal = 64 << 10

func (rw *relayWriter) Header() http.Header { return rw.header }

func (rw *relayWriter) WriteHeader(status int) {
	if rw.status != 0 {
		return
	}
	rw.status = status
	if status >= 300 && !rw.asJSON {
		return
	}
	for _, h := range relayedHeaders {
		if v := rw.header.Get(h); v != "" {
			rw.w.Header().Set(h, v)
		}
	}
	rw.w.WriteHeader(status)
}

func (rw *relayWriter) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.status >= 300 && !rw.asJSON {
		if rw.refused.Len() < maxRefusal {
			rw.refused.Write(b)
		}
		return len(b), nil
	}
	return rw.w.Write(b)
}

// Flush passes a streamed export's flushes on.
func (rw *relayWriter) Flush() {
	if f, ok := rw.w.(http.Flusher); ok && rw.status < 300 {
		f.Flush()
	}
}

// streamCSV relays a stream's CSV over [from, to).
func (s *Server) streamCSV(w http.ResponseWriter, r *http.Request) error {
	q := url.Values{"from": {r.URL.Query().Get("from")}, "to": {r.URL.Query().Get("to")}}
	return s.relay(w, r, "/streams/"+url.PathEscape(r.PathValue("stream"))+"/readings.csv", q, false)
}

// documentDownload relays a document as the API serves it (an
// attachment, audited as the API's download), streamed.
func (s *Server) documentDownload(w http.ResponseWriter, r *http.Request) error {
	return s.relay(w, r, "/documents/"+url.PathEscape(r.PathValue("document")), nil, false)
}

// exportFormats are the cohort export's formats.
var exportFormats = []string{"csv", "parquet"}

// exportData is the cohort export's form: a range of days in the user's
// time zone (to included) and a format.
type exportData struct {
	From, To string // YYYY-MM-DD
	Format   string
	Formats  []string
	MaxDays  int
	Error    string // message id of the range's error, next to the inputs
}

// exportPage shows the cohort export's form, preset to the last 30 days.
func (s *Server) exportPage(w http.ResponseWriter, r *http.Request) error {
	loc := stateOf(r).loc.Zone()
	today := s.deps.Now().In(loc)
	d := exportData{From: today.AddDate(0, 0, -30).Format(time.DateOnly), To: today.Format(time.DateOnly), Format: "csv", Formats: exportFormats, MaxDays: exportMaxDays}
	return s.render(w, http.StatusOK, "exports", s.page(r, "exports.title", d))
}

// exportMaxDays is the API's longest range (consult.CheckRange).
const exportMaxDays = 731

// exportDownload relays the cohort export over the days from..to (the
// user's zone, to included) in the format asked; the API refuses a bad
// range (422: the error page says so).
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) error {
	in := r.URL.Query()
	d := exportData{From: in.Get("from"), To: in.Get("to"), Format: "csv", Formats: exportFormats, MaxDays: exportMaxDays}
	if in.Get("format") == "parquet" {
		d.Format = "parquet"
	}
	rg := parseChartRange(url.Values{"range": {"custom"}, "from": {d.From}, "to": {d.To}}, s.deps.Now(), stateOf(r).loc.Zone())
	if rangeRefused(url.Values{"range": {"custom"}}, rg) {
		d.Error = "exports.range_invalid"
		return s.render(w, http.StatusUnprocessableEntity, "exports", s.page(r, "exports.title", d))
	}
	q := rg.query()
	q.Set("format", d.Format)
	err := s.relay(w, r, "/exports/readings", q, false)
	if statusOf(err) == http.StatusUnprocessableEntity {
		d.Error = "exports.range_invalid"
		return s.render(w, http.StatusUnprocessableEntity, "exports", s.page(r, "exports.title", d))
	}
	return err
}
