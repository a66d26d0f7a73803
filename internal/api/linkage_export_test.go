package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"testing"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// An export is everything one role got from the API, flattened into rows
// (patient, field, value) so that two roles' exports can be joined the way
// someone holding both leaked files would: on equal values of any field.
// The patient of each row is ground truth, known to the test because it
// holds the server's pseudonym key; the joins never use it as a key, only
// to tell whether a join found the right patient.

// linkRow is one value a role was shown about a patient.
type linkRow struct {
	patient int64
	field   string // kind of view and JSON path, e.g. installation.context.pets
	value   string
}

// roleExport is a role's whole output.
type roleExport struct {
	name  string
	rows  []linkRow
	lists map[string][]int64 // list → the patients of its rows, in the order given
}

// exporter walks the API as one caller, following every reference.
type exporter struct {
	t     *testing.T
	s     *apptest.Server
	c     accessCaller
	codec *pseudonym.Codec
	out   *roleExport
}

func newExporter(t *testing.T, s *apptest.Server, c accessCaller) *exporter {
	return &exporter{t: t, s: s, c: c, codec: pseudonym.New(s.App.Store().PseudonymKey()),
		out: &roleExport{name: c.name, lists: map[string][]int64{}}}
}

// get fetches a JSON document the caller may read.
func (e *exporter) get(path string) map[string]any {
	e.t.Helper()
	res := e.s.Do(e.t, http.MethodGet, path, e.c.token, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("%s %s: %d %s", e.c.name, path, res.Status, res.Body)
	}
	var v map[string]any
	res.JSON(e.t, &v)
	return v
}

// patient decodes the caller's pseudonym of a patient.
func (e *exporter) patient(ref any) int64 {
	e.t.Helper()
	s, _ := ref.(string)
	id, ok := e.codec.Decode(e.c.ownRole(), resource.Patient, s)
	if !ok {
		e.t.Fatalf("%s: %q is not its pseudonym of a patient", e.c.name, s)
	}
	return id
}

// add flattens a JSON value into rows of the patient.
func (e *exporter) add(patient int64, field string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			e.add(patient, field+"."+k, x)
		}
	case []any:
		for _, x := range v {
			e.add(patient, field+"[]", x)
		}
	case string:
		e.out.rows = append(e.out.rows, linkRow{patient, field, v})
	case float64:
		e.out.rows = append(e.out.rows, linkRow{patient, field, strconv.FormatFloat(v, 'f', -1, 64)})
	case bool:
		e.out.rows = append(e.out.rows, linkRow{patient, field, strconv.FormatBool(v)})
	}
}

// list adds the items of a list, each under its patient, and remembers
// their order, which must be that of the items' values under sortKeys:
// what the caller is shown, never internal ids.
func (e *exporter) list(name, field string, items []any, patientOf func(map[string]any) int64, sortKeys ...string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	var prev []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		p := patientOf(m)
		e.add(p, field, m)
		e.out.lists[name] = append(e.out.lists[name], p)
		out = append(out, m)
		key := make([]string, len(sortKeys))
		for i, k := range sortKeys {
			key[i], _ = m[k].(string)
		}
		if prev != nil && slices.Compare(prev, key) > 0 {
			e.t.Errorf("%s's %s: %v listed before %v, not in order of %v", e.c.name, name, prev, key, sortKeys)
		}
		prev = key
	}
	return out
}

func items(v map[string]any, key string) []any {
	xs, _ := v[key].([]any)
	return xs
}

// walk is the caller's full read of the study.
func (e *exporter) walk() *roleExport {
	const v1 = "/api/v1"
	byPatient := func(m map[string]any) int64 { return e.patient(m["patient"]) }
	if access.Allows(e.c.roles, access.ScreeningRead) {
		rows := items(e.get(v1+"/screening"), "screening")
		for _, m := range e.list("screening", "screening", rows, byPatient, "nickname", "patient") {
			e.add(e.patient(m["patient"]), "screening", e.get(v1+"/patients/"+m["patient"].(string)+"/screening"))
		}
	}
	if access.Allows(e.c.roles, access.InstallationRead) {
		rows := items(e.get(v1+"/installations"), "installations")
		for _, inst := range e.list("installations", "installation", rows, byPatient, "nickname", "patient") {
			e.installation(e.patient(inst["patient"]), inst["id"].(string))
		}
	}
	if access.Allows(e.c.roles, access.AuditRead) {
		e.audit()
	}
	return e.out
}

// installation reads everything hanging off one installation.
func (e *exporter) installation(patient int64, ref string) {
	base := "/api/v1/installations/" + ref
	e.add(patient, "installation", e.get(base))
	if access.Allows(e.c.roles, access.ContactSheetRead) {
		e.add(patient, "contact-sheet", e.get(base+"/contact-sheet"))
	}
	same := func(map[string]any) int64 { return patient }
	if access.Allows(e.c.roles, access.TicketRead) {
		for _, tk := range e.list("tickets of "+ref, "ticket", items(e.get(base+"/tickets"), "tickets"), same, "opened_at", "id") {
			e.add(patient, "ticket", e.get("/api/v1/tickets/"+tk["id"].(string)))
		}
	}
	if access.Allows(e.c.roles, access.InstallationCorrectionsRead) {
		e.list("corrections of "+ref, "correction", items(e.get(base+"/collection-dates/corrections"), "corrections"), same, "corrected_at")
	}
	if access.Allows(e.c.roles, access.DocumentRead) {
		for _, d := range e.list("documents of "+ref, "document", items(e.get(base+"/documents"), "documents"), same, "created_at", "id") {
			e.download(patient, d["id"].(string))
		}
	}
}

// download adds a document's file: its bytes (as a digest), length, type
// and the file name it is offered under.
func (e *exporter) download(patient int64, ref string) {
	res := e.s.Do(e.t, http.MethodGet, "/api/v1/documents/"+ref, e.c.token, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("%s downloads %s: %d", e.c.name, ref, res.Status)
	}
	sum := sha256.Sum256(res.Body)
	_, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	e.add(patient, "document-file", map[string]any{"content": hex.EncodeToString(sum[:]), "length": float64(len(res.Body)),
		"type": res.Header.Get("Content-Type"), "name": params["filename"]})
}

// audit reads the whole trail; entries about a patient are rows of that
// patient (the test decodes the server-side audit pseudonym).
func (e *exporter) audit() {
	q := url.Values{"limit": {"1000"}}
	for {
		page := e.get("/api/v1/audit?" + q.Encode())
		for _, it := range items(page, "entries") {
			m, _ := it.(map[string]any)
			ref, _ := m["patient"].(string)
			if id, ok := e.codec.Decode(pseudonym.AuditRole, resource.Patient, ref); ok {
				e.add(id, "audit", m)
			}
		}
		next, _ := page["next"].(string)
		if next == "" {
			return
		}
		q.Set("cursor", next)
	}
}

// fields groups the export's rows by field.
func (x *roleExport) fields() map[string][]linkRow {
	out := map[string][]linkRow{}
	for _, r := range x.rows {
		out[r.field] = append(out[r.field], r)
	}
	return out
}

// patients is every patient the export says something about.
func (x *roleExport) patients() map[int64]bool {
	out := map[int64]bool{}
	for _, r := range x.rows {
		out[r.patient] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// do sends a write the caller may make and adds its answer to the export.
func (e *exporter) do(patient int64, field, method, path string, body any, want int) map[string]any {
	e.t.Helper()
	res := send(e.t, e.s, method, path, e.c.token, body)
	if res.Status != want {
		e.t.Fatalf("%s %s %s: %d, want %d: %s", e.c.name, method, path, res.Status, want, res.Body)
	}
	var v map[string]any
	if len(res.Body) > 0 {
		res.JSON(e.t, &v)
		e.add(patient, field, v)
	}
	return v
}

// work makes every write the caller's roles allow on one working
// installation, so that what writes answer is in the export too: the
// home context, the address and a contact, a ticket with a message, a
// document; the ticket is closed when the caller may, which leaves the
// installation working for the next caller.
func (e *exporter) work() {
	if !access.Allows(e.c.roles, access.InstallationRead) {
		return
	}
	list := e.get("/api/v1/installations")
	var inst map[string]any
	for _, it := range items(list, "installations") {
		if m, _ := it.(map[string]any); m["status"] == string(domain.StatusWorking) {
			inst = m
		}
	}
	if inst == nil {
		e.t.Fatalf("%s sees no working installation", e.c.name)
	}
	p, base := e.patient(inst["patient"]), "/api/v1/installations/"+inst["id"].(string)
	may := func(a access.Action) bool { return access.Allows(e.c.roles, a) }
	if may(access.InstallationWrite) {
		e.do(p, "installation", http.MethodPut, base, validBody(e.t, "update-installation", fixtureIDs{}), http.StatusOK)
	}
	if may(access.ContactSheetWrite) {
		e.do(p, "contact-sheet", http.MethodPut, base+"/contact-sheet/address", validBody(e.t, "update-address", fixtureIDs{}), http.StatusOK)
		c := e.do(p, "contact-sheet.contacts[]", http.MethodPost, base+"/contact-sheet/contacts", validBody(e.t, "add-contact", fixtureIDs{}), http.StatusCreated)
		e.do(p, "contact-sheet.contacts[]", http.MethodPut, base+"/contact-sheet/contacts/"+c["id"].(string), validBody(e.t, "update-contact", fixtureIDs{}), http.StatusOK)
	}
	if may(access.TicketOpen) {
		tk := e.do(p, "ticket", http.MethodPost, base+"/tickets", validBody(e.t, "open-ticket", fixtureIDs{}), http.StatusCreated)
		e.do(p, "ticket.messages[]", http.MethodPost, "/api/v1/tickets/"+tk["id"].(string)+"/messages", validBody(e.t, "add-message", fixtureIDs{}), http.StatusCreated)
		if may(access.TicketClose) {
			e.do(p, "ticket", http.MethodPost, "/api/v1/tickets/"+tk["id"].(string)+"/close", nil, http.StatusOK)
		}
	}
	if may(access.DocumentWrite) {
		e.do(p, "document", http.MethodPost, base+"/documents", validBody(e.t, "upload-document", fixtureIDs{}), http.StatusCreated)
	}
}
