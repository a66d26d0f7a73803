package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// The fuzz targets of the API send arbitrary bytes as request bodies to a
// real server (the demo, on the embedded SQLite) and hold it to one rule:
// whatever the body, the answer is a success or a problem+json 4xx whose
// status is the HTTP status; never a 5xx, never a dropped connection (a
// panic in a handler would be one). Each fuzz process starts one server;
// its state drifts as accepted bodies change it, which only widens what
// is tried. Seeds are in testdata/fuzz/<target>/ and below.

// fuzzServer is the server of a fuzz process, its demo callers and the
// references of one demo patient's resources.
type fuzzServer struct {
	s       *apptest.Server
	callers []accessCaller
	ids     fixtureIDs
}

func startFuzzServer(f *testing.F) *fuzzServer {
	s := apptest.Start(f, apptest.Options{Demo: true})
	return &fuzzServer{s: s, callers: loginDemos(f, s), ids: demoFixture(f, s)}
}

// jsonOperation is a route that takes a JSON body.
type jsonOperation struct{ method, path, id string }

// jsonOperations lists, in a stable order, every operation whose OpenAPI
// declaration takes an application/json body.
func jsonOperations(s *apptest.Server) []jsonOperation {
	var out []jsonOperation
	for path, item := range s.App.API().OpenAPI().Paths {
		for _, op := range pathOperations(item) {
			if op.op == nil || op.op.RequestBody == nil || op.op.RequestBody.Content["application/json"] == nil {
				continue
			}
			out = append(out, jsonOperation{op.method, path, op.op.OperationID})
		}
	}
	slices.SortFunc(out, func(a, b jsonOperation) int { return strings.Compare(a.id, b.id) })
	return out
}

// checkAnswer fails unless res is a success, or a 4xx problem+json whose
// body names the same status.
func checkAnswer(t *testing.T, what string, res apptest.Response) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("%s: status %d: %s", what, res.Status, res.Body)
	}
	if res.Status < 400 {
		return
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s: status %d with Content-Type %q: %s", what, res.Status, ct, res.Body)
	}
	var p struct{ Status int }
	if err := json.Unmarshal(res.Body, &p); err != nil || p.Status != res.Status {
		t.Fatalf("%s: status %d, problem %s (%v)", what, res.Status, res.Body, err)
	}
}

// FuzzJSONBodies sends body to the JSON operation numbered op (modulo
// their number) as the demo caller numbered who, with the caller's own
// references to a demo patient's resources in the path.
func FuzzJSONBodies(f *testing.F) {
	fs := startFuzzServer(f)
	ops := jsonOperations(fs.s)
	if len(ops) < 10 {
		f.Fatalf("only %d JSON operations declared", len(ops))
	}
	for i := range ops {
		for _, seed := range []string{`{}`, `{"a":`} { // more in testdata/fuzz/FuzzJSONBodies
			f.Add(uint8(i), uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, op, who uint8, body []byte) {
		o := ops[int(op)%len(ops)]
		c := fs.callers[int(who)%len(fs.callers)]
		path := fillRefs(t, fs.s, c, o.path, fs.ids, false)
		checkAnswer(t, o.method+" "+o.path+" as "+c.name, fs.s.Do(t, o.method, path, c.token, body))
	})
}

// fuzzBoundary is the boundary of the fuzzed multipart bodies.
const fuzzBoundary = "serenade-fuzz-boundary"

// FuzzDocumentUpload sends body as the multipart/form-data body (boundary
// fuzzBoundary) of a document upload to a demo installation, as the demo
// installer.
func FuzzDocumentUpload(f *testing.F) {
	fs := startFuzzServer(f)
	installer := loginDemo(f, fs.s, demo.Installer)
	path := fillRefs(f, fs.s, installer, "/api/v1/installations/{installation}/documents", fs.ids, false)
	for _, seed := range uploadSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequest(http.MethodPost, fs.s.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		req.Header.Set("Authorization", "Bearer "+installer.token)
		checkAnswer(t, "upload", fs.s.Send(t, req))
	})
}

// uploadSeeds are multipart bodies: a valid upload with and without a
// type, two files, an unknown part, and a body cut short.
func uploadSeeds(f *testing.F) [][]byte {
	build := func(parts ...[3]string) []byte { // form name, file name ("" for a field), content
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if err := w.SetBoundary(fuzzBoundary); err != nil {
			f.Fatal(err)
		}
		for _, p := range parts {
			var part interface{ Write([]byte) (int, error) }
			var err error
			if p[1] == "" {
				part, err = w.CreateFormField(p[0])
			} else {
				part, err = w.CreateFormFile(p[0], p[1])
			}
			if err == nil {
				_, err = part.Write([]byte(p[2]))
			}
			if err != nil {
				f.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	pdf := string(fixturePDF)
	valid := build([3]string{"file", "consent.pdf", pdf})
	return [][]byte{
		valid,
		build([3]string{"type", "", "consent"}, [3]string{"file", "consent.pdf", pdf}),
		build([3]string{"file", "a.pdf", pdf}, [3]string{"file", "b.pdf", pdf}),
		build([3]string{"other", "", "x"}),
		build([3]string{"file", "photo.png", "\x89PNG\r\n\x1a\n"}),
		valid[:len(valid)/2],
		{},
	}
}
