package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/api"
	"serenade/internal/codicefiscale"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/filesample"
)

// newCodiceFiscale builds a valid codice fiscale no demo patient has, one
// per n, for the names of enrolmentBody.
func newCodiceFiscale(t testing.TB, n int) string {
	t.Helper()
	return codiceFiscaleOf(t, n, "Brambilla", "Ernesto")
}

// codiceFiscaleOf is newCodiceFiscale for other names.
func codiceFiscaleOf(t testing.TB, n int, lastName, firstName string) string {
	t.Helper()
	cf, err := codicefiscale.Build(lastName, firstName, "F", time.Date(1938, 1, 1+n, 0, 0, 0, 0, time.UTC), "L219")
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// rawEnrolment is enrolmentBody as JSON with the string "MARKER" in the
// first name, for bodies json.Marshal cannot produce.
func rawEnrolment(t testing.TB, firstName string) []byte {
	t.Helper()
	raw, err := json.Marshal(withField(enrolmentBody(), "first_name", "MARKER"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(raw, []byte(`"MARKER"`), []byte(firstName), 1)
}

type inputRefusal struct {
	name     string
	body     any
	status   int
	location string // the error the problem must list
	message  string // what it must say, case-insensitive
}

// checkRefusal sends the refusal's body with method to path and checks
// the status, the location and the message.
func checkRefusal(t *testing.T, s *apptest.Server, method, path, token string, r inputRefusal) {
	t.Helper()
	p := checkProblem(t, s.Do(t, method, path, token, r.body), r.status)
	for _, e := range p.Errors {
		if e.Location == r.location && strings.Contains(strings.ToLower(e.Message), strings.ToLower(r.message)) {
			if e.Value != nil {
				t.Errorf("the refusal echoes what was sent: %v", e.Value)
			}
			return
		}
	}
	t.Errorf("errors %+v do not name %s saying %q", p.Errors, r.location, r.message)
}

func TestTextAndReferenceHygiene(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			textIsNormalisedAndCounted(t, s, doctor)
			enrolmentRefusals(t, s, doctor)
			otherInputsRefuse(t, s, doctor, s.Login(t, demo.Installer, "gennaro"))
			onlyCanonicalIDs(t, s, doctor)
			uploadsHaveOneFileOfASniffedType(t, s, s.Login(t, demo.Installer, "gennaro"))
		})
	}
}

type enrolled struct {
	ID            string `json:"id"`
	FirstName     string `json:"first_name"`
	CodiceFiscale string `json:"codice_fiscale"`
	Installation  string `json:"installation"`
}

// enrol posts body and returns the record read back with a GET.
func enrol(t *testing.T, s *apptest.Server, token string, body any) enrolled {
	t.Helper()
	res := s.Do(t, http.MethodPost, "/api/v1/patients", token, body)
	if res.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	var rec enrolled
	res.JSON(t, &rec)
	got := s.Do(t, http.MethodGet, "/api/v1/patients/"+rec.ID, token, nil)
	if got.Status != http.StatusOK {
		t.Fatalf("read back: %d %s", got.Status, got.Body)
	}
	got.JSON(t, &rec)
	return rec
}

func textIsNormalisedAndCounted(t *testing.T, s *apptest.Server, doctor string) {
	t.Run("a codice fiscale with surrounding spaces is accepted and stored trimmed", func(t *testing.T) {
		body := withField(withField(enrolmentBody(), "last_name", "Marini"), "first_name", "Giovanni")
		rec := enrol(t, s, doctor, withField(body, "codice_fiscale", " MRNGNN48D03L219H "))
		if rec.CodiceFiscale != "MRNGNN48D03L219H" {
			t.Errorf("codice fiscale %q, want MRNGNN48D03L219H", rec.CodiceFiscale)
		}
	})
	names := []struct{ name, typed, stored string }{
		{"60 precomposed À and à (120 bytes) are 60 characters", strings.Repeat("Àà", 30), strings.Repeat("Àà", 30)},
		{"100 decomposed à (200 code points) are 100 characters once composed", strings.Repeat("a\u0300", 100), strings.Repeat("à", 100)},
		{"a first name with surrounding spaces is stored trimmed", "  Norma\u00a0", "Norma"},
	}
	for i, n := range names {
		t.Run(n.name, func(t *testing.T) {
			body := withField(withField(enrolmentBody(), "first_name", n.typed), "codice_fiscale", codiceFiscaleOf(t, i, "Brambilla", n.typed))
			if rec := enrol(t, s, doctor, body); rec.FirstName != n.stored {
				t.Errorf("first name %q, want %q", rec.FirstName, n.stored)
			}
		})
	}
}

func enrolmentRefusals(t *testing.T, s *apptest.Server, doctor string) {
	contact := func(field, value string) map[string]any {
		c := map[string]string{"alias": "figlio Luca", "phone": "+39 340 1111111"}
		c[field] = value
		return withField(enrolmentBody(), "contacts", []map[string]string{c})
	}
	refusals := []inputRefusal{
		{"101 characters of two bytes each", withField(enrolmentBody(), "first_name", strings.Repeat("à", 101)),
			http.StatusUnprocessableEntity, "body.first_name", "at most 100 characters"},
		{"a right-to-left override in a name", withField(enrolmentBody(), "first_name", "Ernesto\u202Eotsenre"),
			http.StatusUnprocessableEntity, "body.first_name", "bidirectional control character (U+202E"},
		{"a NUL in a name", withField(enrolmentBody(), "last_name", "Bram\x00billa"),
			http.StatusUnprocessableEntity, "body.last_name", "control character (U+0000"},
		{"a zero-width space in a name", withField(enrolmentBody(), "last_name", "Bram\u200Bbilla"),
			http.StatusUnprocessableEntity, "body.last_name", "invisible format character (U+200B"},
		{"a line break in an address", withField(enrolmentBody(), "address", "Via Padova 5\nMilano"),
			http.StatusUnprocessableEntity, "body.address", "line break"},
		{"an empty address", withField(enrolmentBody(), "address", ""),
			http.StatusUnprocessableEntity, "body.address", "is required"},
		{"an address of spaces", withField(enrolmentBody(), "address", "  \t "),
			http.StatusUnprocessableEntity, "body.address", "is required"},
		{"a@b as an e-mail address", contact("email", "a@b"),
			http.StatusUnprocessableEntity, "body.contacts[0].email", "not a host name with a dot"},
		{"an e-mail address with a display name", contact("email", "Luca <luca@example.org>"),
			http.StatusUnprocessableEntity, "body.contacts[0].email", "not an e-mail address"},
		{"an enrolment date in 1800", withField(enrolmentBody(), "date_join", "1800-01-01"),
			http.StatusUnprocessableEntity, "body.date_join", "must be between 2000-01-01"},
		{"an enrolment date in 3000", withField(enrolmentBody(), "date_join", "3000-01-01"),
			http.StatusUnprocessableEntity, "body.date_join", "must be between 2000-01-01"},
		{"a duplicate key", append([]byte(`{"first_name":"Mario",`), rawEnrolment(t, `"Ernesto"`)[1:]...),
			http.StatusBadRequest, "body", `duplicate key "first_name" in body`},
		{"a duplicate key in a nested object", withField(enrolmentBody(), "contacts", json.RawMessage(`[{"alias":"a","phone":"1","phone":"2"}]`)),
			http.StatusBadRequest, "body", `duplicate key "phone" in body.contacts[0]`},
		{"a key differing from another only by case", append([]byte(`{"First_Name":"B",`), rawEnrolment(t, `"A"`)[1:]...),
			http.StatusBadRequest, "body", `duplicate key "first_name" in body (the same key as another member but for case)`},
		{"a known key in another case", append([]byte(`{"FIRST_NAME":"Zed",`), bytes.Replace(rawEnrolment(t, `"A"`), []byte(`"first_name":"A",`), nil, 1)[1:]...),
			http.StatusUnprocessableEntity, "body", "unexpected property"},
		{"an unknown key next to a codice fiscale", withField(enrolmentBody(), "codice_fiscale_bis", "MRNGNN48D03L219H"),
			http.StatusUnprocessableEntity, "body", "unexpected property"},
		{"a variation selector in a last name", withField(enrolmentBody(), "last_name", "Rossi\uFE0F"),
			http.StatusUnprocessableEntity, "body.last_name", "invisible format character (U+FE0F"},
		{"a lone combining mark as the last name", withField(enrolmentBody(), "last_name", "\u0301"),
			http.StatusUnprocessableEntity, "body.last_name", "must not begin with a combining mark"},
		{"a braille blank as the last name", withField(enrolmentBody(), "last_name", "\u2800"),
			http.StatusUnprocessableEntity, "body.last_name", "blank braille pattern"},
		{"a private-use character in a first name", withField(enrolmentBody(), "first_name", "Mar\uE000io"),
			http.StatusUnprocessableEntity, "body.first_name", "private-use character"},
		{"invalid UTF-8", rawEnrolment(t, "\"Ern\xffesto\""),
			http.StatusBadRequest, "body", "invalid UTF-8 or unpaired surrogate in body.first_name"},
		{"an escaped lone surrogate", rawEnrolment(t, `"Ern\ud800esto"`),
			http.StatusBadRequest, "body", "invalid UTF-8 or unpaired surrogate in body.first_name"},
	}
	for _, r := range refusals {
		t.Run("enrolment refuses "+r.name, func(t *testing.T) {
			checkRefusal(t, s, http.MethodPost, "/api/v1/patients", doctor, r)
		})
	}
}

func otherInputsRefuse(t *testing.T, s *apptest.Server, doctor, installer string) {
	inst := installerInstallation(t, s, installer)
	sheet := "/api/v1/installations/" + inst + "/contact-sheet"
	t.Run("an installer's empty address is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPut, sheet+"/address", installer, inputRefusal{body: map[string]string{"address": " "},
			status: http.StatusUnprocessableEntity, location: "body.address", message: "is required"})
	})
	t.Run("a contact's e-mail a@b is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPost, sheet+"/contacts", installer, inputRefusal{body: map[string]string{"alias": "vicina", "email": "a@b"},
			status: http.StatusUnprocessableEntity, location: "body.email", message: "not a host name with a dot"})
	})
	t.Run("a ticket message with a bidi override is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPost, "/api/v1/installations/"+inst+"/tickets", installer, inputRefusal{
			body:   map[string]string{"category": "maintenance", "message": "sensore \u202Eottor"},
			status: http.StatusUnprocessableEntity, location: "body.message", message: "bidirectional control character"})
	})
	t.Run("a ticket message given twice under two casings is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPost, "/api/v1/installations/"+inst+"/tickets", installer, inputRefusal{
			body:   json.RawMessage(`{"category":"maintenance","message":"primo","MESSAGE":"secondo"}`),
			status: http.StatusBadRequest, location: "body", message: `duplicate key in body (the same key as "message" but for case)`})
	})
	t.Run("a ticket message with a Hangul filler inside a surname is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPost, "/api/v1/installations/"+inst+"/tickets", installer, inputRefusal{
			body:   map[string]string{"category": "maintenance", "message": "sig. D'Ang\u115Felo"},
			status: http.StatusUnprocessableEntity, location: "body.message", message: "invisible format character (U+115F"})
	})
	t.Run("a phone model with a line break is refused naming it", func(t *testing.T) {
		checkRefusal(t, s, http.MethodPut, "/api/v1/installations/"+inst, installer, inputRefusal{
			body:   withHome(homeContext(""), "smartphone_model", "Galaxy\nA14"),
			status: http.StatusUnprocessableEntity, location: "body.smartphone_model", message: "line break"})
	})
}

func onlyCanonicalIDs(t *testing.T, s *apptest.Server, doctor string) {
	rec := enrol(t, s, doctor, withField(enrolmentBody(), "codice_fiscale", newCodiceFiscale(t, 20)))
	for kind, id := range map[string]string{"patients": rec.ID, "installations": rec.Installation} {
		t.Run(kind+" answer to their canonical id only", func(t *testing.T) {
			if res := s.Do(t, http.MethodGet, "/api/v1/"+kind+"/"+id, doctor, nil); res.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", id, res.Status, res.Body)
			}
			for _, ref := range []string{"0" + id, "00" + id, "+" + id, "%20" + id, id + "%20", "%2B" + id} {
				checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/"+kind+"/"+ref, doctor, nil), http.StatusNotFound)
			}
		})
	}
}

func uploadsHaveOneFileOfASniffedType(t *testing.T, s *apptest.Server, installer string) {
	path := "/api/v1/installations/" + installerInstallation(t, s, installer) + "/documents"
	t.Run("an iPhone photo is stored and served as image/heic", func(t *testing.T) {
		heic := filesample.ISOBMFF("heic", "mif1", "heic")
		res := postMultipart(t, s, path, installer, uploadPart{field: "file", filename: "IMG_0001.HEIC", contentType: "application/octet-stream", content: heic})
		if res.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		var doc documentJSON
		res.JSON(t, &doc)
		if doc.ContentType != "image/heic" {
			t.Errorf("content_type %q, want image/heic", doc.ContentType)
		}
		if got := s.Do(t, http.MethodGet, "/api/v1/documents/"+doc.ID, installer, nil); got.Header.Get("Content-Type") != "image/heic" || !bytes.Equal(got.Body, heic) {
			t.Errorf("download: %d %q", got.Status, got.Header.Get("Content-Type"))
		}
	})
	t.Run("a file of another format (text, HTML) is stored and served as application/octet-stream", func(t *testing.T) {
		for _, up := range []uploadPart{
			{field: "file", filename: "note.txt", contentType: "text/plain", content: []byte("Chiavi dalla vicina.\n")},
			{field: "file", filename: "page.html", contentType: "text/html", content: []byte("<!DOCTYPE html><html><body>x</body></html>")},
		} {
			res := postMultipart(t, s, path, installer, up)
			var doc documentJSON
			if res.JSON(t, &doc); res.Status != http.StatusCreated || doc.ContentType != "application/octet-stream" {
				t.Fatalf("upload %s: %d content_type %q", up.filename, res.Status, doc.ContentType)
			}
			if got := s.Do(t, http.MethodGet, "/api/v1/documents/"+doc.ID, installer, nil); got.Header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("download %s: %d %q", up.filename, got.Status, got.Header.Get("Content-Type"))
			}
		}
	})
	refused := []struct {
		name, location, message string
		parts                   []uploadPart
	}{
		{"a second file part", "body.file", "only one file", []uploadPart{
			{field: "file", filename: "first.pdf", content: scanPDF}, {field: "file", filename: "second.pdf", content: scanPDF}}},
		{"a part other than the file", "body", "unexpected field", []uploadPart{
			{field: "file", filename: "first.pdf", content: scanPDF}, {field: "note", content: []byte("see page 2")}}},
		{"a file name with a right-to-left override", "body.file", "file name must not contain a bidirectional control character", []uploadPart{
			{field: "file", filename: "first\u202Efdp.exe", content: scanPDF}}},
	}
	for _, r := range refused {
		t.Run("an upload with "+r.name+" is refused naming it", func(t *testing.T) {
			p := checkProblem(t, postMultipart(t, s, path, installer, r.parts...), http.StatusUnprocessableEntity)
			if !p.hasErrorAt(r.location) || !strings.Contains(string(mustJSON(t, p.Errors)), r.message) {
				t.Errorf("errors %+v do not name %s saying %q", p.Errors, r.location, r.message)
			}
		})
	}
	t.Run("nothing refused was stored", func(t *testing.T) {
		if id := documentNamed(t, s, installer, "first.pdf"); id != "" {
			t.Errorf("first.pdf was stored as %s", id)
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withHome(hc map[string]string, field, value string) map[string]string {
	hc[field] = value
	return hc
}

// TestSchemaLimitsAreTheDomainLimits holds the OpenAPI document's
// maxLength of each text field equal to the domain's rule: both count
// characters after normalisation, so neither refuses what the other takes.
func TestSchemaLimitsAreTheDomainLimits(t *testing.T) {
	t.Parallel()
	oapi := api.New(api.Deps{}).OpenAPI()
	schemas := oapi.Components.Schemas
	bodyOf := func(path, method string) *huma.Schema {
		op := oapi.Paths[path].Post
		if method == http.MethodPut {
			op = oapi.Paths[path].Put
		}
		return schemas.SchemaFromRef(op.RequestBody.Content["application/json"].Schema.Ref)
	}
	home := map[string]domain.TextRule{"apartment_type": domain.HomeLineText, "internet_type": domain.HomeLineText,
		"smartphone_model": domain.HomeLineText, "flatmates": domain.HomeNotesText, "pets": domain.HomeNotesText,
		"visitors": domain.HomeNotesText, "appliances": domain.HomeNotesText, "issue_notes": domain.HomeNotesText,
		"habit_notes": domain.HomeNotesText, "other_notes": domain.HomeNotesText}
	checks := []struct {
		name   string
		schema *huma.Schema
		fields map[string]domain.TextRule
	}{
		{"IdentityInput", schemas.Map()["IdentityInput"], map[string]domain.TextRule{
			"first_name": domain.NameText, "last_name": domain.NameText, "codice_fiscale": domain.CodiceFiscaleText,
			"address": domain.AddressText, "medical_notes": domain.MedicalNotesText, "diagnosis": domain.DiagnosisText}},
		{"ContactInput", schemas.Map()["ContactInput"], map[string]domain.TextRule{
			"alias": domain.AliasText, "phone": domain.PhoneText, "email": domain.EmailText}},
		{"HomeContext", schemas.Map()["HomeContext"], home},
		{"address body", bodyOf("/api/v1/installations/{installation}/contact-sheet/address", http.MethodPut),
			map[string]domain.TextRule{"address": domain.AddressText}},
		{"open ticket body", bodyOf("/api/v1/installations/{installation}/tickets", http.MethodPost),
			map[string]domain.TextRule{"message": domain.MessageText}},
		{"message body", bodyOf("/api/v1/tickets/{ticket}/messages", http.MethodPost),
			map[string]domain.TextRule{"body": domain.MessageText}},
	}
	for _, c := range checks {
		if c.schema == nil {
			t.Errorf("%s: no schema", c.name)
			continue
		}
		for field, rule := range c.fields {
			p := c.schema.Properties[field]
			if p == nil || p.MaxLength == nil || *p.MaxLength != rule.Max {
				t.Errorf("%s.%s: schema maxLength %v, want the domain's %d", c.name, field, p, rule.Max)
			}
		}
	}
}
