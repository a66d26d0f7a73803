package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/api"
	"serenade/internal/codicefiscale"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/password"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/apptest"
)

// The matrix tests walk every route of the API against every role of
// SPEC §2 through real HTTP requests, with references the caller can
// resolve and bodies the route accepts, so that a refusal can only come
// from the access matrix.

// accessCaller is someone holding a token.
type accessCaller struct {
	name  string
	roles []domain.Role
	token string
}

func (c accessCaller) has(r domain.Role) bool { return slices.Contains(c.roles, r) }

// ownRole is the non-doctor role whose pseudonyms the caller presents.
func (c accessCaller) ownRole() domain.Role {
	for _, r := range c.roles {
		if r != domain.RoleDoctor {
			return r
		}
	}
	return ""
}

func loginDemo(t testing.TB, s *apptest.Server, username string) accessCaller {
	t.Helper()
	a, ok := demo.AccountNamed(username)
	if !ok {
		t.Fatalf("no demo account %s", username)
	}
	return accessCaller{name: string(a.Roles[0]), roles: a.Roles, token: s.Login(t, a.Username, a.Password)}
}

func loginDemos(t testing.TB, s *apptest.Server) []accessCaller {
	t.Helper()
	var out []accessCaller
	for _, a := range demo.Accounts {
		out = append(out, loginDemo(t, s, a.Username))
	}
	return out
}

// callerWithRoles creates a local account holding roles and logs it in. Role
// names the server does not know are dropped from the token, which is
// how a caller with no role at all is made.
func callerWithRoles(t *testing.T, s *apptest.Server, name string, roles ...domain.Role) accessCaller {
	t.Helper()
	const pw = "correct horse battery"
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	username := "test-" + strings.NewReplacer("+", "-", " ", "-").Replace(name)
	if _, err := service.NewAccounts(s.App.Store()).CreateAccount(context.Background(), domain.Account{Username: username, Roles: roles, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	var known []domain.Role
	for _, r := range roles {
		if _, ok := domain.ParseRole(string(r)); ok {
			known = append(known, r)
		}
	}
	return accessCaller{name: name, roles: known, token: s.Login(t, username, pw)}
}

func doctorCtx() context.Context {
	return domain.WithPrincipal(context.Background(), demo.Accounts[0].Principal())
}

func installerCtx() context.Context {
	a, _ := demo.AccountNamed(demo.Installer)
	return domain.WithPrincipal(context.Background(), a.Principal())
}

// fixtureIDs are internal ids of one patient's resources.
type fixtureIDs struct {
	ids           map[resource.Kind]int64 // one resource of every kind of the table
	codiceFiscale string
}

// refFor is how the caller names a resource: doctors by id, everyone
// else by one of their own pseudonyms (a caller with no role, who can
// name nothing, by id).
func refFor(s *apptest.Server, c accessCaller, kind resource.Kind, id int64) string {
	if c.has(domain.RoleDoctor) || c.ownRole() == "" {
		return strconv.FormatInt(id, 10)
	}
	return pseudonym.New(s.App.Store().PseudonymKey()).Encode(c.ownRole(), kind, id)
}

var pathParamRE = regexp.MustCompile(`\{([a-z]+)\}`)

// fillRefs puts the caller's references into a route's path; garbage
// puts the same nonsense in every parameter instead.
func fillRefs(t testing.TB, s *apptest.Server, c accessCaller, path string, r fixtureIDs, garbage bool) string {
	t.Helper()
	return pathParamRE.ReplaceAllStringFunc(path, func(p string) string {
		if garbage {
			return "no-such-thing"
		}
		if kind, ok := resource.ByName(strings.Trim(p, "{}")); ok {
			if id, ok := r.ids[kind]; ok {
				return refFor(s, c, kind, id)
			}
		}
		t.Fatalf("no fixture for path parameter %s of %s", p, path)
		return ""
	})
}

// demoFixture picks a demo patient still in the study whose installation has
// tickets and documents and whose home has contacts.
func demoFixture(t testing.TB, s *apptest.Server) fixtureIDs {
	t.Helper()
	ctx, st := doctorCtx(), s.App.Study()
	insts, err := st.Installations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range insts {
		p, err := st.Patient(ctx, inst.PatientID)
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := st.Documents(ctx, inst.ID)
		tickets, _ := st.Tickets(ctx, inst.ID)
		if p.Withdrawn() || len(p.Contacts) == 0 || len(docs) == 0 || len(tickets) == 0 {
			continue
		}
		token := fixtureToken(t, s, inst.ID)
		return fixture(t, p, inst.ID, tickets[0].ID, docs[0].ID, token, fixtureStream(t, s, token))
	}
	t.Fatal("the demo has no patient with contacts, tickets and documents")
	return fixtureIDs{}
}

var fixtureBirths atomic.Int64

// fixtureIdentity is a fictitious patient with a valid codice fiscale that
// no other patient of the test has.
func fixtureIdentity(t *testing.T) domain.Identity {
	t.Helper()
	born := time.Date(1940, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(fixtureBirths.Add(1)))
	cf, err := codicefiscale.Build("Collaudo", "Prova", "F", born, "F205")
	if err != nil {
		t.Fatal(err)
	}
	return domain.Identity{FirstName: "Prova", LastName: "Collaudo", CodiceFiscale: cf, Address: "Via del Collaudo 1, 20100 Milano",
		MedicalNotes: "Fixture of the access tests.", Diagnosis: "Fixture", DiagnosisClass: domain.DiagnosisMCI}
}

func identityJSON(id domain.Identity) map[string]any {
	return map[string]any{"first_name": id.FirstName, "last_name": id.LastName, "codice_fiscale": id.CodiceFiscale,
		"address": id.Address, "medical_notes": id.MedicalNotes, "diagnosis": id.Diagnosis, "diagnosis_class": id.DiagnosisClass}
}

// fixturePDF is the smallest file the server sniffs as a PDF.
var fixturePDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// freshFixture enrols a new patient with one contact and one document,
// installs the kit and opens a maintenance ticket (so that every ticket
// route has something the ticket state machine allows): for routes that
// change or destroy.
func freshFixture(t *testing.T, s *apptest.Server) fixtureIDs {
	t.Helper()
	st := s.App.Study()
	p, err := st.Enrol(doctorCtx(), domain.NewPatient{Identity: fixtureIdentity(t),
		Contacts: []domain.Contact{{Alias: "niece Fixture", Phone: "+39 333 000 0000"}}})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := st.InstallationOfPatient(doctorCtx(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := st.Tickets(doctorCtx(), inst.ID)
	if err != nil || len(tickets) != 1 {
		t.Fatalf("tickets of a new installation: %v %v", tickets, err)
	}
	doc, err := st.AddDocument(installerCtx(), inst.ID, domain.DocumentOther, "fixture.pdf", fixturePDF)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Contacts) != 1 || p.Contacts[0].ID == 0 {
		t.Fatalf("contacts of a new patient: %+v", p.Contacts)
	}
	if _, err := st.CloseTicket(installerCtx(), tickets[0].ID); err != nil {
		t.Fatal(err)
	}
	maint, err := st.OpenTicket(installerCtx(), inst.ID, domain.CategoryMaintenance, "Fixture: check the hub.")
	if err != nil {
		t.Fatal(err)
	}
	token := fixtureToken(t, s, inst.ID)
	return fixture(t, p, inst.ID, maint.ID, doc.ID, token, fixtureStream(t, s, token))
}

// fixtureToken provisions an ingest token of the installation.
func fixtureToken(t testing.TB, s *apptest.Server, installationID int64) int64 {
	t.Helper()
	_, publicID, hash := ingest.NewToken()
	tok, err := s.App.Store().InsertIngestToken(context.Background(), installationID, publicID, hash)
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// fixtureStream writes one reading of a stream with the token's
// installation, straight through the store (the route tests need a
// stream, not the ingest's rules), and returns the stream's id.
func fixtureStream(t testing.TB, s *apptest.Server, tokenID int64) int64 {
	t.Helper()
	at := s.App.Store().Now().Add(-time.Hour).UnixMilli()
	res, err := s.App.Store().IngestReadings(context.Background(), tokenID, func(tg store.IngestTarget) (store.IngestPlan, error) {
		p := store.IngestPlan{Readings: []store.KeyedReading{{Key: "fixture.power", AtMs: at, Value: 1}}}
		if _, ok := tg.Streams["fixture.power"]; !ok {
			p.NewStreams = []domain.Stream{{Key: "fixture.power", Kind: domain.KindPower, Unit: "W", CadenceSeconds: 60}}
		}
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	streams, err := s.App.Store().Streams(context.Background(), res.Target.InstallationID)
	if err != nil || len(streams) == 0 {
		t.Fatalf("fixture stream: %v %v", streams, err)
	}
	return streams[0].ID
}

// validQuery is the query string of a valid request of the operation
// ("" when it needs none).
func validQuery(s *apptest.Server, c accessCaller, opID string, r fixtureIDs) string {
	q := url.Values{"from": {"2000-01-01T00:00:00Z"}, "to": {"2001-01-01T00:00:00Z"}}
	switch opID {
	case "read-stream", "export-stream-csv", "export-cohort-readings":
	case "read-installation-streams":
		q.Set("streams", refFor(s, c, resource.Stream, r.ids[resource.Stream]))
	default:
		return ""
	}
	return "?" + q.Encode()
}

// fixture names one resource of every kind of the resource table; a kind
// added to the table without a fixture here fails every route test.
func fixture(t testing.TB, p domain.Patient, inst, ticket, doc, token, stream int64) fixtureIDs {
	t.Helper()
	ids := map[resource.Kind]int64{resource.Patient: p.ID, resource.Installation: inst, resource.Ticket: ticket,
		resource.Document: doc, resource.Contact: p.Contacts[0].ID, resource.IngestToken: token, resource.Stream: stream}
	for _, k := range resource.All() {
		if ids[k] == 0 {
			t.Fatalf("no fixture for resource kind %s", k.Name)
		}
	}
	return fixtureIDs{ids: ids, codiceFiscale: p.Identity.CodiceFiscale}
}

// uploadFile is an upload body.
type uploadFile struct {
	name    string
	content []byte
}

// validBody is a valid request body for the operation, or nil.
func validBody(t *testing.T, opID string, r fixtureIDs) any {
	t.Helper()
	switch opID {
	case "enrol-patient":
		b := identityJSON(fixtureIdentity(t))
		b["contacts"] = []map[string]string{{"alias": "grandson Fixture", "phone": "+39 333 111 1111"}}
		return b
	case "update-patient":
		id := fixtureIdentity(t)
		id.CodiceFiscale = r.codiceFiscale
		return identityJSON(id)
	case "update-screening":
		return map[string]any{"diagnosis_class": "alzheimer"}
	case "update-installation":
		return map[string]any{"apartment_type": "flat, 1st floor", "internet_type": "fibre", "flatmates": "alone", "pets": "none",
			"visitors": "weekly", "smartphone_model": "any", "appliances": "gas hob", "issue_notes": "", "habit_notes": "", "other_notes": ""}
	case "correct-date-join":
		return map[string]any{"date_join": "2020-01-01"} // before the fixture's collection start
	case "correct-collection-dates":
		// The fixture's installation collects (start and planned end set).
		// Not before the enrolment (today, or 2020-01-01 once corrected).
		start := time.Now().UTC().Truncate(24 * time.Hour).Add(8 * time.Hour)
		return map[string]any{"collection_start": start, "collection_end": start.AddDate(0, 5, 0), "reason": "Fixture: the kit ran earlier."}
	case "update-address":
		return map[string]any{"address": "Via del Collaudo 2, 20100 Milano"}
	case "add-contact", "update-contact":
		return map[string]any{"alias": "nephew Fixture", "phone": "+39 333 222 2222"}
	case "open-ticket":
		return map[string]any{"category": "uninstallation", "message": "The family asks to remove the kit."}
	case "add-message":
		return map[string]any{"body": "On my way."}
	case "upload-document":
		return uploadFile{name: "consent.pdf", content: fixturePDF}
	}
	return nil
}

// send sends a request; an uploadFile body goes as multipart/form-data.
func send(t *testing.T, s *apptest.Server, method, path, token string, body any) apptest.Response {
	t.Helper()
	f, ok := body.(uploadFile)
	if !ok {
		return s.Do(t, method, path, token, body)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", f.name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(f.content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, s.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Send(t, req)
}

// wantProblemOf checks a problem+json answer with the status and type.
func wantProblemOf(t *testing.T, res apptest.Response, status int, typ string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("not a problem: %s", res.Body)
	}
	if !strings.HasSuffix(p.Type, "/"+typ) || p.Status != status {
		t.Errorf("problem type %q status %d, want …/%s %d", p.Type, p.Status, typ, status)
	}
}

// opSummaries maps operation ids to their summaries, lower-cased to read
// inside a sentence.
func opSummaries(a *api.API) map[string]string {
	out := map[string]string{}
	for _, item := range a.OpenAPI().Paths {
		for _, op := range pathOperations(item) {
			if op.op != nil && op.op.Summary != "" {
				out[op.op.OperationID] = strings.ToLower(op.op.Summary[:1]) + op.op.Summary[1:]
			}
		}
	}
	return out
}

func isLoginRoute(r api.Route) bool { return r.OperationID == "create-token" }

func TestMatrixDeclaresEveryRoute(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{})
	a := s.App.API()
	routes := a.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	inRoutes := map[string]api.Route{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if _, dup := inRoutes[key]; dup {
			t.Errorf("%s is registered twice", key)
		}
		inRoutes[key] = r
		switch {
		case isLoginRoute(r):
			if r.Action != "" {
				t.Errorf("the public %s names action %q", r.OperationID, r.Action)
			}
		case r.Action == "":
			t.Errorf("%s %s (%s) names no action: only login is public", r.Method, r.Path, r.OperationID)
		case len(access.Roles(r.Action)) == 0:
			t.Errorf("%s %s (%s) names %q, which the access matrix grants no role", r.Method, r.Path, r.OperationID, r.Action)
		case access.Allows(nil, r.Action):
			t.Errorf("a caller with no role may %s", r.Action)
		}
	}
	inDoc := map[string]bool{}
	for path, item := range a.OpenAPI().Paths {
		if path == api.IngestPath {
			continue // served outside the user API, by ingest token only (ingest_test.go)
		}
		for _, op := range pathOperations(item) {
			if op.op == nil {
				continue
			}
			key := op.method + " " + path
			inDoc[key] = true
			r, ok := inRoutes[key]
			if !ok {
				t.Errorf("the OpenAPI document has %s (%s), which Routes does not list", key, op.op.OperationID)
			} else if r.OperationID != op.op.OperationID {
				t.Errorf("%s is %s in Routes and %s in the OpenAPI document", key, r.OperationID, op.op.OperationID)
			}
			if r.Action != "" && len(op.op.Security) == 0 {
				t.Errorf("%s needs a token but its OpenAPI operation declares no security", key)
			}
		}
	}
	for key := range inRoutes {
		if !inDoc[key] {
			t.Errorf("Routes lists %s, which the OpenAPI document does not have", key)
		}
	}
}

type methodOp struct {
	method string
	op     *huma.Operation
}

// pathOperations lists the operations of a path of the OpenAPI document.
func pathOperations(item *huma.PathItem) []methodOp {
	return []methodOp{
		{http.MethodGet, item.Get}, {http.MethodPut, item.Put}, {http.MethodPost, item.Post}, {http.MethodDelete, item.Delete},
		{http.MethodOptions, item.Options}, {http.MethodHead, item.Head}, {http.MethodPatch, item.Patch}, {http.MethodTrace, item.Trace},
	}
}

func TestMatrixEveryRouteEveryRole(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	a := s.App.API()
	say := opSummaries(a)
	callers := append(loginDemos(t, s),
		callerWithRoles(t, s, "unimi+iit", domain.RoleResearcher, domain.RoleInstaller),
		callerWithRoles(t, s, "dottore+unimi", domain.RoleDoctor, domain.RoleResearcher),
		callerWithRoles(t, s, "a caller with no role", domain.Role("visitor")),
	)
	if got := callers[len(callers)-1].roles; len(got) != 0 {
		t.Fatalf("the role-less caller holds %v", got)
	}
	shared := demoFixture(t, s)
	for _, r := range a.Routes() {
		if isLoginRoute(r) {
			continue
		}
		for _, c := range callers {
			allowed := access.Allows(c.roles, r.Action)
			fixture := func() fixtureIDs {
				if r.Method == http.MethodGet {
					return shared
				}
				return freshFixture(t, s)
			}
			if allowed {
				t.Run(fmt.Sprintf("%s may %s", c.name, say[r.OperationID]), func(t *testing.T) {
					rf := fixture()
					path := fillRefs(t, s, c, r.Path, rf, false) + validQuery(s, c, r.OperationID, rf)
					res := send(t, s, r.Method, path, c.token, validBody(t, r.OperationID, rf))
					if res.Status < 200 || res.Status > 299 {
						t.Fatalf("%s %s: %d %s", r.Method, path, res.Status, res.Body)
					}
				})
				continue
			}
			t.Run(fmt.Sprintf("%s may not %s", c.name, say[r.OperationID]), func(t *testing.T) {
				rf := fixture()
				res := send(t, s, r.Method, fillRefs(t, s, c, r.Path, rf, false), c.token, validBody(t, r.OperationID, rf))
				wantProblemOf(t, res, http.StatusForbidden, "forbidden")
			})
			if strings.Contains(r.Path, "{") {
				t.Run(fmt.Sprintf("%s may not %s, even naming nothing that exists", c.name, say[r.OperationID]), func(t *testing.T) {
					res := send(t, s, r.Method, fillRefs(t, s, c, r.Path, fixtureIDs{}, true), c.token, validBody(t, r.OperationID, shared))
					wantProblemOf(t, res, http.StatusForbidden, "forbidden")
				})
			}
			if strings.Contains(r.Path, "{") || r.Method != http.MethodGet {
				// Authorisation comes before validation: a refused caller
				// learns nothing from validation errors.
				t.Run(fmt.Sprintf("%s may not %s, even with a malformed request", c.name, say[r.OperationID]), func(t *testing.T) {
					path := pathParamRE.ReplaceAllString(r.Path, strings.Repeat("x", 100))
					var body any
					if r.Method != http.MethodGet && r.Method != http.MethodDelete {
						body = []byte("{not json")
					}
					wantProblemOf(t, send(t, s, r.Method, path, c.token, body), http.StatusForbidden, "forbidden")
				})
			}
		}
	}
}

func TestMatrixNeedsAValidToken(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{})
	a := s.App.API()
	say := opSummaries(a)
	garbage := map[string]string{
		"no token":        "",
		"a garbage token": "not-a-token",
		"a forged token":  "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiZG90dG9yZSJdfQ.",
	}
	for _, r := range a.Routes() {
		if isLoginRoute(r) {
			continue
		}
		for what, token := range garbage {
			t.Run(fmt.Sprintf("nobody with %s may %s", what, say[r.OperationID]), func(t *testing.T) {
				path := pathParamRE.ReplaceAllString(r.Path, "1")
				res := send(t, s, r.Method, path, token, validBody(t, r.OperationID, fixtureIDs{codiceFiscale: "RSSMRA40A01F205X"}))
				wantProblemOf(t, res, http.StatusUnauthorized, "unauthenticated")
				if h := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", h)
				}
			})
		}
	}
}
