package api_test

import (
	"bytes"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// trailEntry is an audit entry as the admin API shows it.
type trailEntry struct {
	Seq       int64    `json:"seq"`
	Actor     string   `json:"actor"`
	Roles     []string `json:"roles"`
	Action    string   `json:"action"`
	Operation string   `json:"operation"`
	Method    string   `json:"method"`
	Route     string   `json:"route"`
	Resource  string   `json:"resource"`
	Outcome   string   `json:"outcome"`
	Status    int      `json:"status"`
	RequestID string   `json:"request_id"`
	TraceID   string   `json:"trace_id"`
}

type trailPage struct {
	Entries []trailEntry `json:"entries"`
	Next    int64        `json:"next"`
}

// trailAfter lists the entries after seq, paging through the trail.
func trailAfter(t *testing.T, s *apptest.Server, admin string, seq int64) []trailEntry {
	t.Helper()
	var all []trailEntry
	for {
		res := s.Do(t, http.MethodGet, "/api/v1/audit?limit=1000&since="+strconv.FormatInt(seq, 10), admin, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("audit query: %d %s", res.Status, res.Body)
		}
		var p trailPage
		res.JSON(t, &p)
		all = append(all, p.Entries...)
		if p.Next == 0 {
			return all
		}
		seq = p.Next
	}
}

// entriesOf runs send and returns the entries it added to the trail (the
// admin's own queries excluded: each is recorded after it read).
func entriesOf(t *testing.T, s *apptest.Server, admin string, send func() apptest.Response) (apptest.Response, []trailEntry) {
	t.Helper()
	before := trailAfter(t, s, admin, 0)
	last := int64(0)
	if len(before) > 0 {
		last = before[len(before)-1].Seq
	}
	last++ // the query above
	res := send()
	return res, trailAfter(t, s, admin, last)
}

// request builds a request to the server with an optional bearer token,
// a body and extra headers.
func request(t *testing.T, s *apptest.Server, method, path, token, ctype string, body []byte, header http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req
}

// refusal is one kind of refused request, the answer it must get and
// the audit entry it must add.
type refusal struct {
	name    string
	req     func(t *testing.T, s *apptest.Server, tok tokens) *http.Request
	status  int
	slug    string
	actor   string // "" when no valid token came with it
	op      string
	method  string
	route   string
	outcome string
}

type tokens struct{ doctor, installer, admin string }

// pastedCF is a codice fiscale pasted where a reference goes: it must
// reach no audit entry.
const pastedCF = "RSSMRA80A01H501U"

// typedMethod is a name and address typed as the request method: a
// method is any token, and it must reach neither the trail nor the answer.
const typedMethod = "ROSSI-MARIO-VIA-PADOVA-118"

// long41 is a reference one character too long.
var long41 = strings.Repeat("7", 41)

func refusals() []refusal {
	long := long41
	return []refusal{
		{"malformed JSON is 400", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/api/v1/patients", tok.doctor, "application/json", []byte(`{"first_name": "Ernesto",`), nil)
		}, 400, "invalid", demo.Doctor, "enrol-patient", "POST", "/api/v1/patients", "failed"},
		{"a wrong method is 405", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPatch, "/api/v1/patients", tok.doctor, "", nil, nil)
		}, 405, "method-not-allowed", demo.Doctor, "PATCH /api/v1/patients", "PATCH", "/api/v1/patients", "failed"},
		{"a wrong method on a resource is 405", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/api/v1/patients/"+pastedCF, tok.doctor, "application/json", []byte(`{}`), nil)
		}, 405, "method-not-allowed", demo.Doctor, "POST /api/v1/patients/{patient}", "POST", "/api/v1/patients/{patient}", "failed"},
		{"a method the client typed is recorded as OTHER and not echoed (405)", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, pastedCF, "/api/v1/patients", tok.doctor, "", nil, nil)
		}, 405, "method-not-allowed", demo.Doctor, "OTHER /api/v1/patients", "OTHER", "/api/v1/patients", "failed"},
		{"a lower-case method is not a standard one (405)", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, "get", "/api/v1/patients", tok.doctor, "", nil, nil)
		}, 405, "method-not-allowed", demo.Doctor, "OTHER /api/v1/patients", "OTHER", "/api/v1/patients", "failed"},
		{"a method the client typed is recorded as OTHER and not echoed (404)", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, typedMethod, "/nothing", "", "", nil, nil)
		}, 404, "not-found", "", "OTHER unmatched", "OTHER", "unmatched", "denied"},
		{"a JSON body over 1 MiB is 413", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/api/v1/patients", tok.doctor, "application/json", bytes.Repeat([]byte("{"), 1<<20+1), nil)
		}, 413, "too-large", demo.Doctor, "enrol-patient", "POST", "/api/v1/patients", "failed"},
		{"a login form over 64 KiB is 413", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			form := url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {strings.Repeat("p", 64<<10)}}
			return request(t, s, http.MethodPost, "/api/v1/auth/token", "", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
		}, 413, "too-large", "", "create-token", "POST", "/api/v1/auth/token", "failed"},
		{"a wrong content type is 415", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/api/v1/patients", tok.doctor, "text/plain", []byte(`first_name=Ernesto`), nil)
		}, 415, "unsupported-media-type", demo.Doctor, "enrol-patient", "POST", "/api/v1/patients", "failed"},
		{"an unknown field is 422", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPut, "/api/v1/patients/1/screening", tok.doctor, "application/json", []byte(`{"favourite_colour": "blue"}`), nil)
		}, 422, "invalid", demo.Doctor, "update-screening", "PUT", "/api/v1/patients/{patient}/screening", "failed"},
		{"a 41-character reference is 422", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/installations/"+long, tok.installer, "", nil, nil)
		}, 422, "invalid", demo.Installer, "get-installation", "GET", "/api/v1/installations/{installation}", "failed"},
		{"a pasted codice fiscale as a reference is recorded without it", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients/"+pastedCF, tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "get-patient", "GET", "/api/v1/patients/{patient}", "denied"},
		{"an unknown route without a token is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/lookup/"+pastedCF, "", "", nil, nil)
		}, 404, "not-found", "", "GET unmatched", "GET", "unmatched", "denied"},
		{"an unknown route with a token is 404 and names the actor", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodDelete, "/api/v1/patients/1/notes/"+pastedCF, tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "DELETE unmatched", "DELETE", "unmatched", "denied"},
		{"an unknown route with an invalid token is 404 without an actor", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients/"+pastedCF+"/export", "not-a-token", "", nil, nil)
		}, 404, "not-found", "", "GET unmatched", "GET", "unmatched", "denied"},
		{"a 41-character reference in a nested route is 422", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodDelete, "/api/v1/installations/"+long+"/contact-sheet/contacts/"+long, tok.installer, "", nil, nil)
		}, 422, "invalid", demo.Installer, "delete-contact", "DELETE", "/api/v1/installations/{installation}/contact-sheet/contacts/{contact}", "failed"},
		{"an unknown path outside the API is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/"+pastedCF, tok.installer, "", nil, nil)
		}, 404, "not-found", demo.Installer, "GET unmatched", "GET", "unmatched", "denied"},
		{"huge headers are 431", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/me", tok.installer, "", nil, http.Header{"X-Padding": {strings.Repeat("x", 2<<20)}})
		}, 431, "headers-too-large", demo.Installer, "get-me", "GET", "/api/v1/me", "failed"},
		{"many headers are 431", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			h := http.Header{}
			for i := range 200 {
				h.Set("X-Padding-"+strconv.Itoa(i), strings.Repeat("y", 200))
			}
			return request(t, s, http.MethodGet, "/api/v1/nothing", "", "", nil, h)
		}, 431, "headers-too-large", "", "GET unmatched", "GET", "unmatched", "failed"},
		{"two Authorization headers are 400", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients", tok.doctor, "", nil, http.Header{"Authorization": {"Bearer " + tok.installer}})
		}, 400, "invalid", "", "list-patients", "GET", "/api/v1/patients", "failed"},
		// Paths a ServeMux would redirect: they name no route.
		{"the API prefix without a slash is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1", tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "GET unmatched", "GET", "unmatched", "denied"},
		{"an empty path segment is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1//patients", tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "GET unmatched", "GET", "unmatched", "denied"},
		{"a dot-dot segment is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/x/../patients", tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "GET unmatched", "GET", "unmatched", "denied"},
		{"a dot segment in a resource path is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodDelete, "/api/v1/patients/./1", tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "DELETE unmatched", "DELETE", "unmatched", "denied"},
		{"a dot-dot segment into the docs is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/docs/../api/v1/patients", tok.doctor, "", nil, nil)
		}, 404, "not-found", demo.Doctor, "GET unmatched", "GET", "unmatched", "denied"},
		{"an unknown path under the docs is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/docs/"+pastedCF, "", "", nil, nil)
		}, 404, "not-found", "", "GET unmatched", "GET", "unmatched", "denied"},
		{"the health probe under another method is 404", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/healthz", "", "", nil, nil)
		}, 404, "not-found", "", "POST unmatched", "POST", "unmatched", "denied"},
		// Accept that excludes JSON and problem+json.
		{"Accept image/png on a JSON route is 406", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients", tok.doctor, "", nil, http.Header{"Accept": {"image/png"}})
		}, 406, "not-acceptable", demo.Doctor, "list-patients", "GET", "/api/v1/patients", "failed"},
		{"Accept application/xml on a resource is 406", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients/1", tok.doctor, "", nil, http.Header{"Accept": {"application/xml"}})
		}, 406, "not-acceptable", demo.Doctor, "get-patient", "GET", "/api/v1/patients/{patient}", "failed"},
		{"Accept that gives JSON q=0 is 406", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodPost, "/api/v1/patients", tok.doctor, "application/json", []byte(`{}`),
				http.Header{"Accept": {"application/json;q=0, application/problem+json;q=0, text/*"}})
		}, 406, "not-acceptable", demo.Doctor, "enrol-patient", "POST", "/api/v1/patients", "failed"},
		{"Accept text/html on the login route is 406", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			form := url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"alice"}}
			return request(t, s, http.MethodPost, "/api/v1/auth/token", "", "application/x-www-form-urlencoded", []byte(form.Encode()),
				http.Header{"Accept": {"text/html"}})
		}, 406, "not-acceptable", "", "create-token", "POST", "/api/v1/auth/token", "failed"},
		{"an Authorization that is not a bearer token is 401", func(t *testing.T, s *apptest.Server, tok tokens) *http.Request {
			return request(t, s, http.MethodGet, "/api/v1/patients", "", "", nil, http.Header{"Authorization": {"Basic ZG90dG9yZS1hbGljZTphbGljZQ=="}})
		}, 401, "unauthenticated", "", "list-patients", "GET", "/api/v1/patients", "denied"},
	}
}

// TestEveryRefusalIsAuditedProblem sends each kind of refused request and
// checks its answer (status, problem type, headers) and the one audit
// entry it adds, on both backends.
func TestEveryRefusalIsAuditedProblem(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			tok := tokens{s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro"), s.Login(t, demo.Admin, "anna")}
			doc, err := os.ReadFile("../../docs/api.md")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range refusals() {
				t.Run(c.name, func(t *testing.T) {
					res, added := entriesOf(t, s, tok.admin, func() apptest.Response { return s.Send(t, c.req(t, s, tok)) })
					p := checkProblem(t, res, c.status)
					if p.Type != problemTypePrefix+c.slug {
						t.Errorf("problem type %q, want %s", p.Type, c.slug)
					}
					if row := "| " + strconv.Itoa(c.status) + " | `" + c.slug + "` |"; !bytes.Contains(doc, []byte(row)) {
						t.Errorf("docs/api.md does not list the problem type %s", row)
					}
					checkNotCached(t, res)
					for _, typed := range []string{pastedCF, typedMethod, "ROSSI", long41} {
						if bytes.Contains(res.Body, []byte(typed)) {
							t.Errorf("the answer echoes %q, which the client typed: %s", typed, res.Body)
						}
					}
					if len(added) != 1 {
						t.Fatalf("the refusal added %d audit entries, want 1: %+v", len(added), added)
					}
					e := added[0]
					want := trailEntry{Seq: e.Seq, Actor: c.actor, Roles: e.Roles, Action: e.Action, Operation: c.op, Method: c.method, Route: c.route,
						Resource: e.Resource, Outcome: c.outcome, Status: c.status, RequestID: res.Header.Get("X-Request-Id")}
					if !equalEntries(e, want) {
						t.Errorf("audit entry\n got %+v\nwant %+v", e, want)
					}
					if strings.Contains(e.Operation, pastedCF) || strings.Contains(e.Operation, "ROSSI") || strings.Contains(e.Resource, pastedCF) || strings.Contains(e.Resource, "7777777") || strings.Contains(e.Route, "lookup") {
						t.Errorf("the entry records what the caller typed in the path: %+v", e)
					}
				})
			}
		})
	}
}

func equalEntries(a, b trailEntry) bool {
	return a.Seq == b.Seq && a.Actor == b.Actor && a.Operation == b.Operation && a.Method == b.Method && a.Route == b.Route &&
		a.Outcome == b.Outcome && a.Status == b.Status && a.RequestID == b.RequestID && a.RequestID != ""
}

// checkNotCached fails unless an API answer forbids caching and sniffing.
func checkNotCached(t testing.TB, res apptest.Response) {
	t.Helper()
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
}

// TestRefusalsFailClosedWithoutAudit breaks the audit table: every kind of
// refusal must then be answered 503, as a problem, with nothing of the
// refused answer.
func TestRefusalsFailClosedWithoutAudit(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	tok := tokens{s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro"), s.Login(t, demo.Admin, "anna")}
	raw, err := sql.Open("sqlite", s.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`ALTER TABLE audit_log RENAME TO audit_log_unavailable`); err != nil {
		t.Fatal(err)
	}
	for _, c := range refusals() {
		t.Run(c.name, func(t *testing.T) {
			res := s.Send(t, c.req(t, s, tok))
			p := checkProblem(t, res, http.StatusServiceUnavailable)
			if p.Type != problemTypePrefix+"unavailable" {
				t.Errorf("problem type %q, want unavailable", p.Type)
			}
			checkNotCached(t, res)
			if res.Header.Get("Allow") != "" {
				t.Errorf("the 503 carries the refused answer's Allow %q", res.Header.Get("Allow"))
			}
		})
	}
}

// TestPersonalDataIsNeverCached reads every kind of answer that carries
// personal data, and some that do not: all forbid caching and sniffing.
func TestPersonalDataIsNeverCached(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	inst := firstInstallation(t, s, iit)
	for _, c := range []struct{ path, token string }{
		{"/api/v1/patients", doc}, {"/api/v1/patients/1", doc}, {"/api/v1/screening", doc}, {"/api/v1/patients/1/screening", doc},
		{"/api/v1/me", doc}, {"/api/v1/me", iit}, {"/api/v1/installations", iit},
		{"/api/v1/installations/" + inst + "/contact-sheet", iit},
		{"/api/v1/patients/1/access-history", doc}, {"/api/v1/openapi.json", ""},
	} {
		res := s.Do(t, http.MethodGet, c.path, c.token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", c.path, res.Status, res.Body)
		}
		checkNotCached(t, res)
	}
	res := s.Do(t, http.MethodPost, "/api/v1/auth/token", "", url.Values{"grant_type": {"password"}, "username": {demo.Doctor}, "password": {"alice"}})
	checkNotCached(t, res)
}

// firstInstallation is the caller's reference of the first installation
// it lists.
func firstInstallation(t *testing.T, s *apptest.Server, token string) string {
	t.Helper()
	var list struct {
		Installations []struct {
			ID string `json:"id"`
		} `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations", token, nil).JSON(t, &list)
	if len(list.Installations) == 0 {
		t.Fatal("the caller sees no installation")
	}
	return list.Installations[0].ID
}
