package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/nicktest"
)

// The pseudonym tests play a full session for each role that is not
// dottore, keep every response, and then look for what SPEC §4 says they
// must never get: internal ids, codici fiscali, and for the roles without
// a right to identity (everyone but dottore and iit), names, addresses and
// contacts; for installers, medical data.

// exchange is one request and its response.
type exchange struct {
	request string
	res     apptest.Response
}

// session is a caller going through the API, keeping every response.
type session struct {
	t   *testing.T
	s   *apptest.Server
	c   accessCaller
	log []exchange
}

// do sends a request and fails the test unless the status is want.
func (ss *session) do(method, path string, body any, want int) apptest.Response {
	ss.t.Helper()
	res := send(ss.t, ss.s, method, path, ss.c.token, body)
	ss.log = append(ss.log, exchange{method + " " + path, res})
	if res.Status != want {
		ss.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	return res
}

// get sends a GET and decodes the JSON answer into v, if not nil.
func (ss *session) get(path string, want int, v any) {
	ss.t.Helper()
	res := ss.do(http.MethodGet, path, nil, want)
	if v != nil {
		res.JSON(ss.t, v)
	}
}

func (ss *session) may(a access.Action) bool { return access.Allows(ss.c.roles, a) }

// status is ok when the caller may, 403 otherwise.
func (ss *session) status(a access.Action, ok int) int {
	if ss.may(a) {
		return ok
	}
	return http.StatusForbidden
}

type idView struct {
	ID      string `json:"id"`
	Patient string `json:"patient"`
	Status  string `json:"status"`
}

// play is a caller's working day: every read the caller may do, following
// the references the lists give, then every write, including some that
// fail on purpose (a second open ticket of a category, a ticket closed
// twice, a deleted document), so that error answers are looked at too.
func (ss *session) play() {
	t := ss.t
	t.Helper()
	const v1 = "/api/v1"
	ss.get(v1+"/me", http.StatusOK, nil)
	ss.get(v1+"/patients", http.StatusForbidden, nil)

	var screening struct{ Screening []struct{ Patient string } }
	ss.get(v1+"/screening", ss.status(access.ScreeningRead, http.StatusOK), &screening)
	for _, p := range screening.Screening {
		ss.get(v1+"/patients/"+p.Patient+"/screening", http.StatusOK, nil)
	}
	if ss.may(access.ScreeningRead) && len(screening.Screening) == 0 {
		t.Fatal("the screening list is empty")
	}

	var insts struct{ Installations []idView }
	ss.get(v1+"/installations", ss.status(access.InstallationRead, http.StatusOK), &insts)
	if !ss.may(access.InstallationRead) {
		return
	}
	target := ""
	for _, inst := range insts.Installations {
		base := v1 + "/installations/" + inst.ID
		ss.get(base, http.StatusOK, nil)
		ss.get(base+"/contact-sheet", ss.status(access.ContactSheetRead, http.StatusOK), nil)
		var tickets struct{ Tickets []idView }
		ss.get(base+"/tickets", ss.status(access.TicketRead, http.StatusOK), &tickets)
		for _, tk := range tickets.Tickets {
			ss.get(v1+"/tickets/"+tk.ID, http.StatusOK, nil)
		}
		var docs struct{ Documents []idView }
		ss.get(base+"/documents", ss.status(access.DocumentRead, http.StatusOK), &docs)
		for _, d := range docs.Documents {
			ss.get(v1+"/documents/"+d.ID, http.StatusOK, nil)
		}
		if target == "" && inst.Status == string(domain.StatusWorking) {
			target = inst.ID
		}
	}
	if target == "" {
		t.Fatal("no working installation to write on")
	}
	base := v1 + "/installations/" + target

	if ss.may(access.InstallationWrite) {
		ss.do(http.MethodPut, base, validBody(t, "update-installation", fixtureIDs{}), http.StatusOK)
	}
	if ss.may(access.ContactSheetWrite) {
		ss.do(http.MethodPut, base+"/contact-sheet/address", validBody(t, "update-address", fixtureIDs{}), http.StatusOK)
		var c idView
		ss.do(http.MethodPost, base+"/contact-sheet/contacts", validBody(t, "add-contact", fixtureIDs{}), http.StatusCreated).JSON(t, &c)
		ss.do(http.MethodPut, base+"/contact-sheet/contacts/"+c.ID, validBody(t, "update-contact", fixtureIDs{}), http.StatusOK)
		ss.do(http.MethodDelete, base+"/contact-sheet/contacts/"+c.ID, nil, http.StatusNoContent)
		ss.do(http.MethodDelete, base+"/contact-sheet/contacts/"+c.ID, nil, http.StatusNotFound)
	}
	ticket := ""
	if ss.may(access.TicketOpen) {
		var tk idView
		open := validBody(t, "open-ticket", fixtureIDs{})
		ss.do(http.MethodPost, base+"/tickets", open, http.StatusCreated).JSON(t, &tk)
		ss.do(http.MethodPost, base+"/tickets", open, http.StatusConflict)
		ticket = tk.ID
	}
	if ss.may(access.TicketWrite) && ticket != "" {
		ss.do(http.MethodPost, v1+"/tickets/"+ticket+"/messages", validBody(t, "add-message", fixtureIDs{}), http.StatusCreated)
		ss.get(v1+"/tickets/"+ticket, http.StatusOK, nil)
	}
	if ss.may(access.DocumentWrite) {
		var d idView
		ss.do(http.MethodPost, base+"/documents", validBody(t, "upload-document", fixtureIDs{}), http.StatusCreated).JSON(t, &d)
		ss.get(base+"/documents", http.StatusOK, nil)
		ss.get(v1+"/documents/"+d.ID, http.StatusOK, nil)
		if ss.may(access.DocumentDelete) {
			ss.do(http.MethodDelete, v1+"/documents/"+d.ID, nil, http.StatusNoContent)
			ss.get(v1+"/documents/"+d.ID, http.StatusNotFound, nil)
		}
	}
	if ss.may(access.TicketClose) && ticket != "" {
		ss.do(http.MethodPost, v1+"/tickets/"+ticket+"/close", nil, http.StatusOK)
		ss.do(http.MethodPost, v1+"/tickets/"+ticket+"/close", nil, http.StatusConflict)
	}
}

// secrets is what the study knows and non-doctors must not all get.
type secrets struct {
	ids           map[int64]bool // every internal id of every kind
	codiciFiscali []string
	names         []string // full names both ways round, and surnames
	firstNames    []string
	nicknames     map[string]bool // of every patient for every role: another patient's first name may be, or be in, one
	reach         []string        // addresses, phones, e-mails of patients and contacts
	medical       []string        // medical notes and diagnoses
}

func studySecrets(t *testing.T, s *apptest.Server) secrets {
	t.Helper()
	ctx, st := doctorCtx(), s.App.Study()
	sec := secrets{ids: map[int64]bool{}, nicknames: map[string]bool{}}
	codec := pseudonym.New(s.App.Store().PseudonymKey())
	patients, err := st.Patients(ctx)
	if err != nil || len(patients) == 0 {
		t.Fatalf("patients: %d %v", len(patients), err)
	}
	for _, p := range patients {
		id := p.Identity
		sec.ids[p.ID] = true
		sec.codiciFiscali = append(sec.codiciFiscali, id.CodiceFiscale)
		sec.names = append(sec.names, id.FirstName+" "+id.LastName, id.LastName+" "+id.FirstName, id.LastName)
		sec.firstNames = append(sec.firstNames, id.FirstName)
		for _, r := range domain.AllRoles {
			sec.nicknames[codec.Nickname(r, p.ID, id.FirstName, id.LastName)] = true
		}
		sec.reach = append(sec.reach, id.Address)
		sec.medical = append(sec.medical, id.MedicalNotes, id.Diagnosis)
		for _, c := range p.Contacts {
			sec.ids[c.ID] = true
			sec.reach = append(sec.reach, c.Phone, c.Email)
		}
	}
	insts, err := st.Installations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range insts {
		sec.ids[inst.ID] = true
		tickets, err := st.Tickets(ctx, inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tickets {
			sec.ids[tk.ID] = true
		}
		docs, err := st.Documents(ctx, inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			sec.ids[d.ID] = true
		}
	}
	drop := func(xs []string) []string { return slices.DeleteFunc(xs, func(x string) bool { return x == "" }) }
	sec.reach, sec.medical = drop(sec.reach), drop(sec.medical)
	return sec
}

var (
	pseudonymRE = regexp.MustCompile(`^[a-z2-7]{26}$`)
	numberRE    = regexp.MustCompile(`\d+`)
	refKinds    = map[string][]resource.Kind{
		"patient": {resource.Patient}, "installation": {resource.Installation}, "ticket": {resource.Ticket},
		"document": {resource.Document}, "contact": {resource.Contact},
		"id": {resource.Patient, resource.Installation, resource.Ticket, resource.Document, resource.Contact},
	}
	identityKeys = []string{"first_name", "last_name", "address", "phone", "email"}
)

// walkJSON calls visit for every value of a JSON document with the key it
// is under ("" in arrays and at the top).
func walkJSON(v any, key string, visit func(key string, v any)) {
	visit(key, v)
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			walkJSON(x, k, visit)
		}
	case []any:
		for _, x := range v {
			walkJSON(x, key, visit)
		}
	}
}

// decodesAs lists the roles whose key decodes the pseudonym as one of kinds.
func decodesAs(codec *pseudonym.Codec, ref string, kinds []resource.Kind) (roles []domain.Role, id int64) {
	for _, r := range domain.AllRoles {
		for _, k := range kinds {
			if n, ok := codec.Decode(r, k, ref); ok {
				roles, id = append(roles, r), n
			}
		}
	}
	return roles, id
}

// checkLeaks looks at everything a non-doctor caller got: codici
// fiscali and medical texts nowhere; internal ids nowhere, references only
// as the caller's own pseudonyms; and unless the caller may see who lives
// in a home (dottore, iit), no identity fields, no addresses, phones or
// e-mails, and no patient names, also not in free text (ticket messages,
// document names), where the server puts nicknames instead.
func checkLeaks(t *testing.T, s *apptest.Server, c accessCaller, log []exchange, sec secrets) {
	t.Helper()
	codec := pseudonym.New(s.App.Store().PseudonymKey())
	identity := access.Allows(c.roles, access.ContactSheetRead)
	never := slices.Concat(sec.codiciFiscali, sec.medical)
	for _, cf := range sec.codiciFiscali {
		never = append(never, strings.ToLower(cf))
	}
	forbiddenKeys := []string{"codice_fiscale", "medical_notes", "diagnosis"}
	if !access.Allows(c.roles, access.ScreeningRead) {
		forbiddenKeys = append(forbiddenKeys, "diagnosis_class")
	}
	var names []string
	if !identity {
		never = append(never, sec.reach...)
		forbiddenKeys = append(forbiddenKeys, identityKeys...)
		names = slices.Concat(sec.names, sec.firstNames)
	}
	// Nicknames are first names drawn at random: another patient's may be,
	// or contain, a patient's first name ("Teresa" in "Teresanna"). They
	// are masked as whole words before the search, so a name glued to
	// other text ("TeresaGalbiati.pdf") is still found.
	nicknames := slices.Sorted(maps.Keys(sec.nicknames))
	// Ids of what the session deleted are known only from the paths.
	ids := maps.Clone(sec.ids)
	for _, ex := range log {
		for _, seg := range strings.Split(ex.request, "/") {
			if _, id := decodesAs(codec, seg, refKinds["id"]); id != 0 {
				ids[id] = true
			}
		}
	}
	searchNames := func(where, text string) {
		if len(names) == 0 {
			return
		}
		masked := nicktest.Masked(text, nicknames)
		for _, n := range names {
			if strings.Contains(masked, n) {
				t.Errorf("%s carries the name %q: %s", where, n, text)
			}
		}
	}
	for _, ex := range log {
		raw := slices.Clone(ex.res.Body)
		for name, values := range ex.res.Header {
			for _, v := range values {
				raw = fmt.Appendf(raw, "\n%s: %s", name, v)
				searchNames(ex.request+": header "+name, v)
			}
		}
		for _, secret := range never {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s: the answer carries %q", ex.request, secret)
			}
		}
		ct := ex.res.Header.Get("Content-Type")
		if !strings.Contains(ct, "json") {
			searchNames(ex.request+": the body", string(ex.res.Body))
			continue
		}
		var doc any
		if err := json.Unmarshal(ex.res.Body, &doc); err != nil {
			t.Errorf("%s: %s is not JSON: %v", ex.request, ct, err)
			continue
		}
		problem := strings.HasPrefix(ct, "application/problem+json")
		walkJSON(doc, "", func(key string, v any) {
			if slices.Contains(forbiddenKeys, key) {
				t.Errorf("%s: the answer has a %q field", ex.request, key)
			}
			str, isString := v.(string)
			kinds, isRef := refKinds[key]
			if isRef || strings.HasSuffix(key, "_id") {
				if !isString || !pseudonymRE.MatchString(str) {
					t.Errorf("%s: %s is %v, not a pseudonym", ex.request, key, v)
					return
				}
				if !isRef {
					kinds = refKinds["id"]
				}
				if roles, _ := decodesAs(codec, str, kinds); len(roles) != 1 || !c.has(roles[0]) {
					t.Errorf("%s: %s %s is a pseudonym of %v, not of exactly one of the caller's roles %v", ex.request, key, str, roles, c.roles)
				}
				return
			}
			if !isString {
				return
			}
			if n, err := strconv.ParseInt(str, 10, 64); err == nil && ids[n] {
				t.Errorf("%s: %s %q is an internal id", ex.request, key, str)
			}
			if problem && (key == "detail" || key == "message") {
				for _, num := range numberRE.FindAllString(str, -1) {
					if n, _ := strconv.ParseInt(num, 10, 64); ids[n] {
						t.Errorf("%s: the problem's %s %q names internal id %s", ex.request, key, str, num)
					}
				}
			}
			searchNames(ex.request+": "+key, str)
		})
	}
}

func TestPseudonymsNoIdentifierReachesOtherRoles(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	callers := []accessCaller{
		loginDemo(t, s, demo.Installer), loginDemo(t, s, demo.Monitoring), loginDemo(t, s, demo.Researcher), loginDemo(t, s, demo.Admin),
		callerWithRoles(t, s, "unimi+imt+iit", domain.RoleResearcher, domain.RoleMonitoring, domain.RoleInstaller),
		callerWithRoles(t, s, "unimi+imt", domain.RoleResearcher, domain.RoleMonitoring),
	}
	logs := map[string][]exchange{}
	for _, c := range callers {
		t.Run(c.name+" works through a session", func(t *testing.T) {
			ss := &session{t: t, s: s, c: c}
			defer func() { logs[c.name] = ss.log }()
			ss.play()
		})
	}
	// Read after the sessions, so that what they created counts too.
	sec := studySecrets(t, s)
	for _, c := range callers {
		t.Run(c.name+" got no internal id, no codice fiscale and nothing beyond its rights", func(t *testing.T) {
			if len(logs[c.name]) == 0 {
				t.Fatal("no session recorded")
			}
			checkLeaks(t, s, c, logs[c.name], sec)
		})
	}
}

func TestPseudonymsAreUnlinkableAcrossRoles(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	codec := pseudonym.New(s.App.Store().PseudonymKey())
	iit, imt, unimi := loginDemo(t, s, demo.Installer), loginDemo(t, s, demo.Monitoring), loginDemo(t, s, demo.Researcher)
	roles := []accessCaller{iit, imt, unimi}

	// installations[role][internal installation id] is that role's view.
	installations := map[domain.Role]map[int64]idView{}
	patientRefs := map[int64]map[string]bool{}
	for _, c := range roles {
		var list struct{ Installations []idView }
		res := s.Do(t, http.MethodGet, "/api/v1/installations", c.token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s lists installations: %d %s", c.name, res.Status, res.Body)
		}
		res.JSON(t, &list)
		installations[c.ownRole()] = map[int64]idView{}
		for _, inst := range list.Installations {
			id, ok := codec.Decode(c.ownRole(), resource.Installation, inst.ID)
			pid, pok := codec.Decode(c.ownRole(), resource.Patient, inst.Patient)
			if !ok || !pok {
				t.Fatalf("%s got %+v, not its own pseudonyms", c.name, inst)
			}
			installations[c.ownRole()][id] = inst
			if patientRefs[pid] == nil {
				patientRefs[pid] = map[string]bool{}
			}
			patientRefs[pid][inst.Patient] = true
		}
	}
	t.Run("iit, imt and unimi each name a patient differently", func(t *testing.T) {
		if len(patientRefs) == 0 {
			t.Fatal("no patients")
		}
		for pid, refs := range patientRefs {
			if len(refs) != 3 {
				t.Errorf("patient %d has %d distinct pseudonyms across three roles: %v", pid, len(refs), refs)
			}
		}
	})

	shared := demoFixture(t, s)
	docRef := func(c accessCaller) string { return refFor(s, c, resource.Document, shared.ids[resource.Document]) }
	patientRef := func(c accessCaller) string { return refFor(s, c, resource.Patient, shared.ids[resource.Patient]) }
	cases := []struct {
		name string
		by   accessCaller
		path string
	}{
		{"imt may not use iit's pseudonym of an installation", imt, "/api/v1/installations/" + installations[domain.RoleInstaller][shared.ids[resource.Installation]].ID},
		{"iit may not use unimi's pseudonym of an installation", iit, "/api/v1/installations/" + installations[domain.RoleResearcher][shared.ids[resource.Installation]].ID},
		{"unimi may not use imt's pseudonym of an installation", unimi, "/api/v1/installations/" + installations[domain.RoleMonitoring][shared.ids[resource.Installation]].ID},
		{"unimi may not use iit's pseudonym of a patient", unimi, "/api/v1/patients/" + patientRef(iit) + "/screening"},
		{"unimi may not use iit's pseudonym of a document", unimi, "/api/v1/documents/" + docRef(iit)},
		{"iit may not use imt's pseudonym of a ticket", iit, "/api/v1/tickets/" + refFor(s, imt, resource.Ticket, shared.ids[resource.Ticket])},
		{"iit may not use imt's pseudonym of an installation for its contact sheet", iit, "/api/v1/installations/" + installations[domain.RoleMonitoring][shared.ids[resource.Installation]].ID + "/contact-sheet"},
		{"iit may not name an installation by its internal id", iit, fmt.Sprintf("/api/v1/installations/%d", shared.ids[resource.Installation])},
		{"imt may not name a ticket by its internal id", imt, fmt.Sprintf("/api/v1/tickets/%d", shared.ids[resource.Ticket])},
		{"unimi may not name a patient by its internal id", unimi, fmt.Sprintf("/api/v1/patients/%d/screening", shared.ids[resource.Patient])},
		{"unimi may not name a document by its internal id", unimi, fmt.Sprintf("/api/v1/documents/%d", shared.ids[resource.Document])},
		{"imt may not name an installation by a pseudonym of another kind", imt, "/api/v1/installations/" + refFor(s, imt, resource.Patient, shared.ids[resource.Patient])},
		{"iit may not use the upper-case spelling of its own pseudonym", iit, "/api/v1/installations/" + strings.ToUpper(installations[domain.RoleInstaller][shared.ids[resource.Installation]].ID)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Do(t, http.MethodGet, tc.path, tc.by.token, nil)
			wantProblemOf(t, res, http.StatusNotFound, "not-found")
			var p struct{ Detail string }
			if res.JSON(t, &p); numberRE.MatchString(p.Detail) {
				t.Errorf("the refusal names a number: %s", p.Detail)
			}
		})
	}
	t.Run("each role reaches the same installation with its own pseudonym", func(t *testing.T) {
		for _, c := range roles {
			res := s.Do(t, http.MethodGet, "/api/v1/installations/"+installations[c.ownRole()][shared.ids[resource.Installation]].ID, c.token, nil)
			if res.Status != http.StatusOK {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
			}
		}
	})

	for _, c := range []accessCaller{loginDemo(t, s, demo.Doctor), callerWithRoles(t, s, "dottore+unimi", domain.RoleDoctor, domain.RoleResearcher)} {
		t.Run(c.name+" gets internal ids", func(t *testing.T) {
			var list struct{ Installations []idView }
			s.Do(t, http.MethodGet, "/api/v1/installations", c.token, nil).JSON(t, &list)
			insts, err := s.App.Store().Installations(doctorCtx())
			if err != nil || len(list.Installations) != len(insts) {
				t.Fatalf("%d installations listed, %d stored (%v)", len(list.Installations), len(insts), err)
			}
			for i, inst := range insts {
				got := list.Installations[i]
				if got.ID != strconv.FormatInt(inst.ID, 10) || got.Patient != strconv.FormatInt(inst.PatientID, 10) {
					t.Errorf("installation %d of patient %d listed as %+v", inst.ID, inst.PatientID, got)
				}
			}
			var sc struct{ Screening []struct{ Patient string } }
			s.Do(t, http.MethodGet, "/api/v1/screening", c.token, nil).JSON(t, &sc)
			for _, p := range sc.Screening {
				if _, err := strconv.ParseInt(p.Patient, 10, 64); err != nil {
					t.Errorf("screening names patient %q, not by id", p.Patient)
				}
			}
		})
	}
}
