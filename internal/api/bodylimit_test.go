package api_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// endless yields n bytes of filler without holding them: a 200 MiB body
// costs the client nothing, so what the process allocates is the
// server's doing.
type endless struct{ left int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	for i := range p {
		p[i] = 'a'
	}
	e.left -= int64(len(p))
	return len(p), nil
}

const hugeBody = 200 << 20

func plain(ctype string) func(io.Reader) (io.Reader, string, int64) {
	return func(f io.Reader) (io.Reader, string, int64) { return f, ctype, hugeBody }
}

// multipartFile wraps the filler as the "file" part of a multipart body.
func multipartFile(f io.Reader) (io.Reader, string, int64) {
	var head strings.Builder
	w := multipart.NewWriter(&head)
	if _, err := w.CreateFormFile("file", "scan.pdf"); err != nil {
		panic(err)
	}
	tail := "\r\n--" + w.Boundary() + "--\r\n"
	return io.MultiReader(strings.NewReader(head.String()), f, strings.NewReader(tail)), w.FormDataContentType(),
		int64(head.Len()) + hugeBody + int64(len(tail))
}

// TestHugeBodiesAreRefusedWithoutBeingRead sends bodies of 200 MiB,
// several at once, to a route of each class (form login without a token,
// JSON, multipart upload), with and without a declared Content-Length.
// Each is answered 413 as a problem and audited, and the bytes the whole
// process allocates while serving them (runtime.MemStats.TotalAlloc, an
// upper bound of the heap's growth) stay a small multiple of the routes'
// limits instead of the gigabytes the bodies weigh.
func TestHugeBodiesAreRefusedWithoutBeingRead(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.MaxDocumentSize = 1 << 20 }})
	admin := s.Login(t, demo.Admin, "anna")
	doc := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	inst := firstInstallation(t, s, iit)
	routes := []struct {
		name, path, token string
		body              func(io.Reader) (io.Reader, string, int64)
		budget            uint64 // bytes the process may allocate for `parallel` requests
	}{
		{"form login without a token", "/api/v1/auth/token", "", plain("application/x-www-form-urlencoded"), 8 << 20},
		{"JSON enrolment", "/api/v1/patients", doc, plain("application/json"), 32 << 20},
		{"multipart upload", "/api/v1/installations/" + inst + "/documents", iit, multipartFile, 32 << 20},
	}
	const parallel = 4
	for _, rt := range routes {
		for _, declared := range []bool{true, false} {
			name := rt.name + map[bool]string{true: ", declared length", false: ", chunked"}[declared]
			t.Run(name, func(t *testing.T) {
				seen := len(trailAfter(t, s, admin, 0))
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				answers := make([]apptest.Response, parallel)
				var wg sync.WaitGroup
				for i := range parallel {
					wg.Go(func() {
						body, ctype, length := rt.body(&endless{left: hugeBody})
						req, err := http.NewRequest(http.MethodPost, s.URL+rt.path, body)
						if err != nil {
							t.Error(err)
							return
						}
						if declared {
							req.ContentLength = length
						}
						req.Header.Set("Content-Type", ctype)
						if rt.token != "" {
							req.Header.Set("Authorization", "Bearer "+rt.token)
						}
						answers[i] = s.Send(t, req)
					})
				}
				wg.Wait()
				runtime.ReadMemStats(&after)
				allocated := after.TotalAlloc - before.TotalAlloc
				t.Logf("%d × %d MiB bodies: the process allocated %.1f MiB (budget %d MiB); heap in use %+.1f MiB",
					parallel, hugeBody>>20, float64(allocated)/(1<<20), rt.budget>>20, (float64(after.HeapInuse)-float64(before.HeapInuse))/(1<<20))
				if allocated > rt.budget {
					t.Errorf("serving %d huge bodies allocated %d MiB, budget %d MiB: bodies are read beyond their limit", parallel, allocated>>20, rt.budget>>20)
				}
				for _, res := range answers {
					if p := checkProblem(t, res, http.StatusRequestEntityTooLarge); p.Type != problemTypePrefix+"too-large" {
						t.Errorf("problem type %q", p.Type)
					}
				}
				refused := 0
				for _, e := range trailAfter(t, s, admin, 0)[seen:] {
					if e.Status == http.StatusRequestEntityTooLarge {
						refused++
					}
				}
				if refused != parallel {
					t.Errorf("%d audit entries with status 413, want %d", refused, parallel)
				}
			})
		}
	}
}
