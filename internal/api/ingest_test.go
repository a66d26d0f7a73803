package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/api"
	"serenade/internal/audit"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// ingestHome is a collecting installation with an ingest token
// provisioned over the API by the installer.
type ingestHome struct {
	installation int64
	ref          string // the installer's reference of it
	token        string // the ingest token
	tokenRef     string // the installer's reference of the token
}

// newIngestHome enrols a patient, closes the installation ticket (the
// collection starts now) and provisions a token as the installer.
func newIngestHome(t *testing.T, s *apptest.Server, installer accessCaller) ingestHome {
	t.Helper()
	st := s.App.Study()
	p, err := st.Enrol(doctorCtx(), domain.NewPatient{Identity: fixtureIdentity(t),
		Contacts: []domain.Contact{{Alias: "niece Fixture", Phone: "+39 333 000 0000"}}})
	if err != nil {
		t.Fatal(err)
	}
	inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(doctorCtx(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(st.Tickets(doctorCtx(), inst.ID))
	storetest.Must[domain.Ticket](t)(st.CloseTicket(installerCtx(), tickets[0].ID))
	h := ingestHome{installation: inst.ID, ref: refFor(s, installer, resource.Installation, inst.ID)}
	res := s.Do(t, http.MethodPost, "/api/v1/installations/"+h.ref+"/ingest-tokens", installer.token, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("provision: %d %s", res.Status, res.Body)
	}
	var tok struct {
		ID, Installation, Token string
	}
	res.JSON(t, &tok)
	if !strings.HasPrefix(tok.Token, "srn_") || tok.Installation != h.ref || tok.ID == "" {
		t.Fatalf("provisioned %+v", tok)
	}
	h.token, h.tokenRef = tok.Token, tok.ID
	return h
}

// post sends a batch to the ingest route.
func post(t *testing.T, s *apptest.Server, token, contentType, encoding string, body []byte) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+api.IngestPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Send(t, req)
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = io.WriteString(w, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readingAt(stream string, at time.Time, value any) string {
	return fmt.Sprintf(`{"stream":%q,"time":%d,"value":%v}`, stream, at.UnixMilli(), value)
}

type ackBody struct {
	Accepted, Duplicates int
	NewStreams           int `json:"new_streams"`
}

// storedReadings counts an installation's readings.
func storedReadings(t *testing.T, s *apptest.Server, installation int64) int {
	t.Helper()
	n := 0
	for _, st := range storetest.Must[[]domain.Stream](t)(s.App.Store().Streams(context.Background(), installation)) {
		n += len(storetest.Must[[]domain.Reading](t)(s.App.Store().Readings(context.Background(), st.ID, 0, 1<<62)))
	}
	return n
}

// TestIngestOverHTTP, on both backends: an installer provisions a token,
// the gateway sends JSON, NDJSON and gzip, a re-send is harmless,
// monitoring lists and revokes the token (never seeing it), and the
// revoked token is then refused; a token of one home never writes
// another's streams.
func TestIngestOverHTTP(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			iit, imt := loginDemo(t, s, demo.Installer), loginDemo(t, s, demo.Monitoring)
			a, b := newIngestHome(t, s, iit), newIngestHome(t, s, iit)
			now := time.Now()
			body := "[" + readingAt("kitchen.motion", now, true) + "," + readingAt("tv.plug.power", now, 41.5) + "]"
			var ack ackBody
			res := post(t, s, a.token, "application/json", "", []byte(body))
			if res.Status != http.StatusOK {
				t.Fatalf("JSON batch: %d %s", res.Status, res.Body)
			}
			if res.JSON(t, &ack); ack != (ackBody{Accepted: 2, NewStreams: 2}) {
				t.Errorf("ack %+v", ack)
			}
			ndjson := readingAt("kitchen.motion", now.Add(time.Second), false) + "\n" + readingAt("kitchen.motion", now, true) + "\n"
			res = post(t, s, a.token, "application/x-ndjson", "gzip", gzipped(t, ndjson))
			if res.JSON(t, &ack); res.Status != http.StatusOK || ack != (ackBody{Accepted: 1, Duplicates: 1}) {
				t.Errorf("gzip NDJSON: %d %+v", res.Status, ack)
			}
			if res = post(t, s, b.token, "application/json", "", []byte(body)); res.Status != http.StatusOK {
				t.Fatalf("B's batch: %d %s", res.Status, res.Body)
			}
			if na, nb := storedReadings(t, s, a.installation), storedReadings(t, s, b.installation); na != 3 || nb != 2 {
				t.Errorf("A holds %d readings, B %d; want 3 and 2", na, nb)
			}

			list := s.Do(t, http.MethodGet, "/api/v1/installations/"+refFor(s, imt, resource.Installation, a.installation)+"/ingest-tokens", imt.token, nil)
			if list.Status != http.StatusOK || bytes.Contains(list.Body, []byte(a.token[4:20])) || bytes.Contains(list.Body, []byte("srn_")) {
				t.Fatalf("monitoring's list: %d %s", list.Status, list.Body)
			}
			var tokens struct{ Tokens []struct{ ID string } }
			list.JSON(t, &tokens)
			if len(tokens.Tokens) != 1 || tokens.Tokens[0].ID == a.tokenRef {
				t.Errorf("monitoring sees %+v: want one token under its own reference, not the installer's %s", tokens, a.tokenRef)
			}
			path := "/api/v1/installations/" + refFor(s, imt, resource.Installation, a.installation) + "/ingest-tokens/" + tokens.Tokens[0].ID
			if res := s.Do(t, http.MethodDelete, path, imt.token, nil); res.Status != http.StatusOK {
				t.Fatalf("revoke: %d %s", res.Status, res.Body)
			}
			res = post(t, s, a.token, "application/json", "", []byte(body))
			wantIngestProblem(t, res, http.StatusUnauthorized, "unauthenticated", -1, "")
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
		})
	}
}

// wantIngestProblem checks a problem+json answer and, for index >= 0,
// the item it names.
func wantIngestProblem(t *testing.T, res apptest.Response, status int, typ string, index int, field string) {
	t.Helper()
	wantProblemOf(t, res, status, typ)
	var p struct {
		Item *struct {
			Index  int
			Field  string
			Reason string
		}
	}
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatal(err)
	}
	if index < 0 {
		return
	}
	if p.Item == nil || p.Item.Index != index || p.Item.Field != field || p.Item.Reason == "" {
		t.Errorf("item %+v, want index %d field %q: %s", p.Item, index, field, res.Body)
	}
}

// TestIngestRefusesBadInputOverHTTP: every kind of bad request is a 4xx
// problem (naming the first bad item where there is one), is audited,
// and writes nothing.
func TestIngestRefusesBadInputOverHTTP(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			iit := loginDemo(t, s, demo.Installer)
			h := newIngestHome(t, s, iit)
			now := time.Now()
			good := readingAt("kitchen.motion", now, 1)
			many := strings.Repeat(good+",", ingest.DefaultMaxItems) + good
			cases := []struct {
				name, token, ctype, enc string
				body                    []byte
				status                  int
				typ                     string
				index                   int
				field                   string
			}{
				{"malformed JSON", h.token, "application/json", "", []byte("[" + good + ",{]"), 422, "invalid", 1, ""},
				{"NaN", h.token, "application/json", "", []byte(`[{"stream":"a","time":1,"value":NaN}]`), 422, "invalid", 0, ""},
				{"a string as value", h.token, "application/json", "", []byte("[" + good + `,{"stream":"a","time":` + fmt.Sprint(now.UnixMilli()) + `,"value":"3"}]`), 422, "invalid", 1, "value"},
				{"in the future", h.token, "application/json", "", []byte("[" + readingAt("a", now.Add(time.Hour), 1) + "]"), 422, "invalid", 0, "time"},
				{"before the installation", h.token, "application/json", "", []byte("[" + good + "," + readingAt("a", now.AddDate(0, 0, -2), 1) + "]"), 422, "invalid", 1, "time"},
				{"a huge batch", h.token, "application/json", "", []byte("[" + many + "]"), 413, "too-large", -1, ""},
				{"a gzip bomb", h.token, "application/json", "gzip", httpBomb(t), 413, "too-large", -1, ""},
				{"not gzip", h.token, "application/json", "gzip", []byte("[" + good + "]"), 400, "invalid", -1, ""},
				{"an empty batch", h.token, "application/json", "", []byte("[]"), 400, "invalid", -1, ""},
				{"a form", h.token, "application/x-www-form-urlencoded", "", []byte("a=1"), 415, "unsupported-media-type", -1, ""},
				{"brotli", h.token, "application/json", "br", []byte("[" + good + "]"), 415, "unsupported-media-type", -1, ""},
				{"no token", "", "application/json", "", []byte("[" + good + "]"), 401, "unauthenticated", -1, ""},
				{"an unknown token", strings.Replace(h.token, h.token[4:8], "0000", 1), "application/json", "", []byte("[" + good + "]"), 401, "unauthenticated", -1, ""},
				{"a user's token", iit.token, "application/json", "", []byte("[" + good + "]"), 401, "unauthenticated", -1, ""},
			}
			for _, c := range cases {
				res := post(t, s, c.token, c.ctype, c.enc, c.body)
				t.Run(c.name, func(t *testing.T) { wantIngestProblem(t, res, c.status, c.typ, c.index, c.field) })
			}
			if n := storedReadings(t, s, h.installation); n != 0 {
				t.Errorf("refused batches wrote %d readings", n)
			}
			entries := storetest.Must[[]audit.Entry](t)(s.App.Store().QueryAudit(context.Background(), audit.Filter{Action: ingest.Action, Limit: 1000}))
			for _, c := range cases {
				if !slices.ContainsFunc(entries, func(e audit.Entry) bool { return e.Status == c.status && e.Operation == "ingest-readings" }) {
					t.Errorf("%s: no %d entry in the trail", c.name, c.status)
				}
			}
		})
	}
}

// httpBomb inflates to 64 MiB, eight times the decompressed limit.
func httpBomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = io.WriteString(w, `[{"stream":"a","time":1,"value":1,"unit":"`)
	chunk := bytes.Repeat([]byte("W"), 1<<20)
	for range 64 {
		_, _ = w.Write(chunk)
	}
	_, _ = io.WriteString(w, `"}]`)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestIngestRouteIsNotAUserRoute: an ingest token opens no API route,
// other methods and paths under /ingest/v1/ are audited refusals.
func TestIngestRouteIsNotAUserRoute(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	h := newIngestHome(t, s, loginDemo(t, s, demo.Installer))
	wantProblemOf(t, s.Do(t, http.MethodGet, "/api/v1/installations", h.token, nil), http.StatusUnauthorized, "unauthenticated")
	wantProblemOf(t, s.Do(t, http.MethodGet, api.IngestPath, h.token, nil), http.StatusMethodNotAllowed, "method-not-allowed")
	wantProblemOf(t, s.Do(t, http.MethodPost, "/ingest/v1/other", h.token, []byte("[]")), http.StatusNotFound, "not-found")
	entries := storetest.Must[[]audit.Entry](t)(s.App.Store().QueryAudit(context.Background(), audit.Filter{Action: ingest.Action, Limit: 1000}))
	for _, status := range []int{405, 404} {
		if !slices.ContainsFunc(entries, func(e audit.Entry) bool { return e.Status == status }) {
			t.Errorf("no %d entry in the trail", status)
		}
	}
}
