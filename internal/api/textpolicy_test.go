package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// TestIdentityTextIsStoredPlain: required name-like fields need a letter;
// single-line fields store inner white space as one U+0020; identity
// fields store compatibility characters as their plain letters (NFKC);
// an e-mail's domain is stored IDNA-mapped. Each on both backends.
func TestIdentityTextIsStoredPlain(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			addressesNeedALetter(t, s, doctor)
			namesAreStoredPlain(t, s, doctor)
		})
	}
}

func addressesNeedALetter(t *testing.T, s *apptest.Server, doctor string) {
	for _, addr := range []string{"---", "1", "12/3 - 4"} {
		checkRefusal(t, s, http.MethodPost, "/api/v1/patients", doctor, inputRefusal{name: addr,
			body: withField(enrolmentBody(), "address", addr), status: http.StatusUnprocessableEntity,
			location: "body.address", message: "must contain a letter"})
	}
	body := withField(enrolmentBody(), "contacts", []map[string]string{{"alias": "123", "phone": "+39 340 1111111"}})
	checkRefusal(t, s, http.MethodPost, "/api/v1/patients", doctor, inputRefusal{body: body,
		status: http.StatusUnprocessableEntity, location: "body.contacts[0].alias", message: "must contain a letter"})
}

// plainRecord is the part of a patient record these tests read back.
type plainRecord struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Address   string `json:"address"`
	Contacts  []struct {
		Alias string `json:"alias"`
		Phone string `json:"phone"`
		Email string `json:"email"`
	} `json:"contacts"`
}

func namesAreStoredPlain(t *testing.T, s *apptest.Server, doctor string) {
	names := []struct{ name, typed, stored string }{
		{"an ideographic space", "Ma\u3000rio", "Ma rio"},
		{"an Ogham space mark", "Ma\u1680rio", "Ma rio"},
		{"five em spaces", "Mario\u2003\u2003\u2003\u2003\u2003x", "Mario x"},
		{"two no-break spaces", "Anna\u00a0\u00a0Maria", "Anna Maria"},
		{"full-width letters", "Ｍａｒｉｏ", "Mario"},
		{"mathematical bold letters", "𝐌𝐚𝐫𝐢𝐨", "Mario"},
		{"a ligature", "\uFB01lippo", "filippo"},
	}
	for i, n := range names {
		t.Run(n.name, func(t *testing.T) {
			body := withField(enrolmentBody(), "codice_fiscale", codiceFiscaleOf(t, 10+i, n.stored, n.stored))
			body["first_name"], body["last_name"] = n.typed, n.typed
			body["address"] = "Via\u3000Padova\u2003\u2003118, Ｍｉｌａｎｏ"
			body["contacts"] = []map[string]string{{"alias": "\uFB01glia  Anna", "phone": "３４７\u00a0218 4590", "email": "Anna.R@ｅXAMPLE.it"}}
			rec := readPlain(t, s, doctor, body)
			if rec.FirstName != n.stored || rec.LastName != n.stored {
				t.Errorf("names %q %q, want %q", rec.FirstName, rec.LastName, n.stored)
			}
			if rec.Address != "Via Padova 118, Milano" {
				t.Errorf("address %q, want %q", rec.Address, "Via Padova 118, Milano")
			}
			if len(rec.Contacts) != 1 || rec.Contacts[0].Alias != "figlia Anna" || rec.Contacts[0].Phone != "347 218 4590" ||
				rec.Contacts[0].Email != "Anna.R@example.it" {
				t.Errorf("contacts %+v, want figlia Anna, 347 218 4590, Anna.R@example.it", rec.Contacts)
			}
		})
	}
}

func readPlain(t *testing.T, s *apptest.Server, token string, body any) plainRecord {
	t.Helper()
	res := s.Do(t, http.MethodPost, "/api/v1/patients", token, body)
	if res.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	var rec plainRecord
	res.JSON(t, &rec)
	got := s.Do(t, http.MethodGet, "/api/v1/patients/"+rec.ID, token, nil)
	if got.Status != http.StatusOK {
		t.Fatalf("read back: %d %s", got.Status, got.Body)
	}
	got.JSON(t, &rec)
	return rec
}

// TestQueryParametersFollowTheTextPolicy: every query parameter goes
// through the body text policy (422 naming query.<name>, never echoing the
// value), strings are trimmed, integers are canonical, and each refusal
// is in the trail. Both backends.
func TestQueryParametersFollowTheTextPolicy(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			admin := s.Login(t, demo.Admin, "anna")
			refused := []struct{ query, location, message string }{
				{"actor=dottore-alice%00", "query.actor", "control character (U+0000"},
				{"actor=%FF%FE", "query.actor", "not valid UTF-8"},
				{"actor=dottore-alice%E2%80%AE", "query.actor", "bidirectional control character (U+202E"},
				{"actor=dottore%E2%80%8B-alice", "query.actor", "invisible format character (U+200B"},
				{"actor=dottore%0Aalice", "query.actor", "line break"},
				{"actor=a&actor=b", "query.actor", "more than once"},
				{"since=05", "query.since", "canonical"},
				{"since=%205", "query.since", "canonical"},
				{"since=-0", "query.since", "canonical"},
				{"limit=0010", "query.limit", "canonical"},
				{"actor=%ZZ", "query", "well-formed"},
			}
			for _, r := range refused {
				p := checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/audit?"+r.query, admin, nil), http.StatusUnprocessableEntity)
				if !problemNames(p, r.location, r.message) {
					t.Errorf("?%s: errors %+v do not name %s saying %q", r.query, p.Errors, r.location, r.message)
				}
				if bytes.Contains([]byte(p.Detail+strings.Join(messages(p), " ")), []byte("dottore")) {
					t.Errorf("?%s: the refusal echoes the value: %+v", r.query, p)
				}
			}
			history := "/api/v1/patients/1/access-history?limit=05"
			if p := checkProblem(t, s.Do(t, http.MethodGet, history, doctor, nil), http.StatusUnprocessableEntity); !problemNames(p, "query.limit", "canonical") {
				t.Errorf("%s: errors %+v do not name query.limit", history, p.Errors)
			}

			plain := queryAudit(t, s, admin, url.Values{"actor": {"dottore-alice"}})
			res := s.Do(t, http.MethodGet, "/api/v1/audit?actor=%20dottore-alice%20", admin, nil)
			var spaced auditPage
			res.JSON(t, &spaced)
			if res.Status != http.StatusOK || len(plain.Entries) == 0 || len(spaced.Entries) != len(plain.Entries) {
				t.Errorf("?actor=%%20dottore-alice%%20: %d with %d entries, want 200 with the %d of ?actor=dottore-alice",
					res.Status, len(spaced.Entries), len(plain.Entries))
			}
			if res := s.Do(t, http.MethodGet, "/api/v1/audit?since=5", admin, nil); res.Status != http.StatusOK {
				t.Errorf("?since=5: %d %s", res.Status, res.Body)
			}

			audited := 0
			for _, e := range queryAudit(t, s, admin, url.Values{"limit": {"1000"}}).Entries {
				if e.Status == http.StatusUnprocessableEntity && (e.Operation == "query-audit" || e.Operation == "get-access-history") {
					audited++
				}
			}
			if audited != len(refused)+1 {
				t.Errorf("%d refused queries in the trail, want %d", audited, len(refused)+1)
			}
		})
	}
}

func problemNames(p apiProblem, location, message string) bool {
	for _, e := range p.Errors {
		if e.Location == location && strings.Contains(e.Message, message) && e.Value == nil {
			return true
		}
	}
	return false
}

func messages(p apiProblem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Message)
	}
	return out
}

// TestUploadNameInAnUnsupportedCharset: a file name sent only as
// filename* in a charset other than UTF-8 is refused naming body.file and
// the charset problem, not as a missing name; the same name in UTF-8 is
// stored. Both backends.
func TestUploadNameInAnUnsupportedCharset(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			installer := s.Login(t, demo.Installer, "gennaro")
			path := "/api/v1/installations/" + installerInstallation(t, s, installer) + "/documents"
			for _, disposition := range []string{
				`form-data; name="file"; filename*=ISO-8859-1''caf%E9.pdf`,
				`form-data; name="file"; filename*=windows-1252''caf%E9.pdf`,
				`form-data; name="file"; filename*0*=ISO-8859-1''caf%E9; filename*1=.pdf`,
			} {
				p := checkProblem(t, rawUpload(t, s, path, installer, disposition), http.StatusUnprocessableEntity)
				if !problemNames(p, "body.file", "character set is not supported") {
					t.Errorf("%s: errors %+v, want body.file saying the character set is not supported", disposition, p.Errors)
				}
			}
			fallback := rawUpload(t, s, path, installer, `form-data; name="file"; filename="cafe.pdf"; filename*=ISO-8859-1''caf%E9.pdf`)
			if fallback.Status != http.StatusCreated || !strings.Contains(string(fallback.Body), `"name":"cafe.pdf"`) {
				t.Errorf("a plain filename beside the unsupported one: %d %s, want 201 named cafe.pdf", fallback.Status, fallback.Body)
			}
			res := rawUpload(t, s, path, installer, `form-data; name="file"; filename*=UTF-8''caf%C3%A9.pdf`)
			var doc struct {
				Name string `json:"name"`
			}
			if res.Status != http.StatusCreated {
				t.Fatalf("UTF-8 filename*: %d %s", res.Status, res.Body)
			}
			if res.JSON(t, &doc); doc.Name != "café.pdf" {
				t.Errorf("name %q, want café.pdf", doc.Name)
			}
		})
	}
}

// rawUpload posts one file part whose Content-Disposition is written as
// given.
func rawUpload(t *testing.T, s *apptest.Server, path, token, disposition string) apptest.Response {
	t.Helper()
	const boundary = "xYzBoundary"
	body := "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\nContent-Type: application/pdf\r\n\r\n" +
		string(scanPDF) + "\r\n--" + boundary + "--\r\n"
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+token)
	return s.Send(t, req)
}
