package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// The researcher's pages: installations by pseudonym with screening data
// and home context, one installation (screening, home, documents,
// streams), the stream charts (charts.go) and the exports (exports.go).
// Every reference in them is the caller's own (pseudonyms for
// researchers, ids for doctors, who may use these pages too: the matrix
// decides), as the API gives it.

// researchRoutes are the researcher's pages and downloads.
func (s *Server) researchRoutes() []Route {
	get := http.MethodGet
	return []Route{
		{Method: get, Pattern: "/research/installations", Action: access.ScreeningRead, Nav: "nav.research_installations", Handler: s.researchList},
		{Method: get, Pattern: "/research/installations/{installation}", Action: access.InstallationRead, Handler: s.researchInstallation},
		{Method: get, Pattern: "/research/installations/{installation}/charts", Action: access.StreamRead, Handler: s.chartsPage},
		{Method: get, Pattern: "/research/installations/{installation}/series", Action: access.StreamRead, Handler: s.chartSeries},
		{Method: get, Pattern: "/research/streams/{stream}/readings.csv", Action: access.StreamRead, Handler: s.streamCSV},
		{Method: get, Pattern: "/research/documents/{document}", Action: access.DocumentRead, Handler: s.documentDownload},
		{Method: get, Pattern: "/research/export", Action: access.ReadingsExport, Nav: "nav.research_export", Handler: s.exportPage},
		{Method: get, Pattern: "/research/export/download", Action: access.ReadingsExport, Handler: s.exportDownload},
	}
}

// researchPageSize is the installations shown per page.
const researchPageSize = 50

// researchRow is one installation with its patient's screening data
// (nil when the patient is not in the screening list: withdrawn).
type researchRow struct {
	Installation view.InstallationView
	Screening    *view.Screening
}

// EnrolYear is the year of the patient's enrolment (researchers see it
// to the year), or "".
func (r researchRow) EnrolYear() string {
	if len(r.Installation.DateJoin) < 4 {
		return ""
	}
	return r.Installation.DateJoin[:4]
}

// HomeSummary is the home context in a few words, as page p shows them:
// the apartment type and the flatmates.
func (r researchRow) HomeSummary(p Page) string {
	var parts []string
	for _, name := range []string{"apartment_type", "flatmates"} {
		if v := strings.TrimSpace(p.Context(r.Installation, name)); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " · ")
}

// researchListData is the installations page: one page of rows, the
// status filter, and the cursors of this and the next page.
type researchListData struct {
	Rows     []researchRow
	Status   string
	Statuses []domain.InstallationStatus
	Cursor   string // this page's cursor ("" : the first page)
	Next     string // the next page's cursor ("" : the last page)
}

// NextURL is the next page's address, keeping the filter.
func (d researchListData) NextURL() string {
	q := url.Values{"cursor": {d.Next}}
	if d.Status != "" {
		q.Set("status", d.Status)
	}
	return "/research/installations?" + q.Encode()
}

// researchList shows a page of installations (GET /installations) with
// the screening data of their patients (GET /screening of just those
// patients).
func (s *Server) researchList(w http.ResponseWriter, r *http.Request) error {
	d := researchListData{Status: r.URL.Query().Get("status"), Cursor: r.URL.Query().Get("cursor"), Statuses: installationStatuses}
	if !slices.Contains(installationStatuses, domain.InstallationStatus(d.Status)) {
		d.Status = ""
	}
	q := url.Values{"limit": {strconv.Itoa(researchPageSize)}}
	if d.Status != "" {
		q.Set("status", d.Status)
	}
	if d.Cursor != "" {
		q.Set("cursor", d.Cursor)
	}
	var list struct {
		Installations []view.InstallationView `json:"installations"`
		Next          string                  `json:"next"`
	}
	if err := s.client(r).Get("/installations", q, &list); err != nil {
		return err
	}
	d.Next = list.Next
	screening, err := s.screeningOf(r, list.Installations)
	if err != nil {
		return err
	}
	for _, inst := range list.Installations {
		row := researchRow{Installation: inst}
		if sc, ok := screening[inst.Patient]; ok {
			row.Screening = &sc
		}
		d.Rows = append(d.Rows, row)
	}
	return s.render(w, http.StatusOK, "research_list", s.page(r, "research.list.title", d))
}

// screeningOf reads the screening data of insts' patients, and of no
// other, in one request (GET /screening?patient=…, a page holds fewer
// than the filter's bound); the map is keyed by the caller's patient
// reference. A patient who has withdrawn is not in it.
func (s *Server) screeningOf(r *http.Request, insts []view.InstallationView) (map[string]view.Screening, error) {
	out := map[string]view.Screening{}
	q := url.Values{"limit": {strconv.Itoa(researchPageSize)}}
	for _, i := range insts {
		if i.Patient != "" && !slices.Contains(q["patient"], i.Patient) {
			q.Add("patient", i.Patient)
		}
	}
	if len(q["patient"]) == 0 {
		return out, nil
	}
	var page struct {
		Screening []view.Screening `json:"screening"`
	}
	if err := s.client(r).Get("/screening", q, &page); err != nil {
		return nil, err
	}
	for _, sc := range page.Screening {
		out[sc.Patient] = sc
	}
	return out, nil
}

// researchInstallationData is one installation's page.
type researchInstallationData struct {
	Installation view.InstallationView
	Screening    *view.Screening // nil: the patient is withdrawn
	Documents    []documentItem
	Streams      []streamItem
}

// documentItem is a document as the page lists it.
type documentItem struct{ view.DocumentView }

// KiB is the document's size in kibibytes, rounded up.
func (d documentItem) KiB() int { return int((d.Size + 1023) / 1024) }

// streamItem is a stream as the page lists it.
type streamItem struct{ view.StreamView }

// Readings is the stream's readings of the last 24 hours.
func (s streamItem) Readings() int { return int(s.Readings24h) }

// researchInstallation shows an installation with its patient's
// screening data, its home context, documents and streams.
func (s *Server) researchInstallation(w http.ResponseWriter, r *http.Request) error {
	ref := url.PathEscape(r.PathValue("installation"))
	c := s.client(r)
	var d researchInstallationData
	if err := c.Get("/installations/"+ref, nil, &d.Installation); err != nil {
		return err
	}
	var sc view.Screening
	switch err := c.Get("/patients/"+url.PathEscape(d.Installation.Patient)+"/screening", nil, &sc); {
	case err == nil:
		d.Screening = &sc
	case statusOf(err) != http.StatusNotFound && statusOf(err) != http.StatusGone:
		return err
	}
	var docs struct {
		Documents []documentItem `json:"documents"`
	}
	if err := c.Get("/installations/"+ref+"/documents", nil, &docs); err != nil {
		return err
	}
	d.Documents = docs.Documents
	var streams struct {
		Streams []streamItem `json:"streams"`
	}
	if err := c.Get("/installations/"+ref+"/streams", nil, &streams); err != nil {
		return err
	}
	d.Streams = streams.Streams
	return s.render(w, http.StatusOK, "research_installation", s.page(r, "research.installation.title", d))
}
