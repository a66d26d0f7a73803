package api_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/api"
	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// heldUpload starts an upload whose length is not declared (chunked) and
// whose body stops after the part's first bytes: it reserves the route's
// whole limit and holds it until finish sends the rest.
func heldUpload(t *testing.T, s *apptest.Server, path, token string) (finish func() apptest.Response, answered <-chan struct{}) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, s.URL+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	done := make(chan apptest.Response, 1)
	ended := make(chan struct{})
	go func() { done <- s.Send(t, req); close(ended) }()
	part, err := mw.CreateFormFile("file", "held.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(scanPDF[:8]); err != nil {
		t.Fatal(err)
	}
	return func() apptest.Response {
		_, _ = part.Write(scanPDF[8:])
		_ = mw.Close()
		_ = pw.Close()
		return <-done
	}, ended
}

// holdGate fills the upload memory with a held upload and returns once
// another upload is refused with 503. The held upload reaches the gate
// asynchronously, and is itself refused if a probe holds part of the
// memory at that moment: it is then started again (bounded).
func holdGate(t *testing.T, s *apptest.Server, path, token string, probe func() apptest.Response) (finish func() apptest.Response) {
	t.Helper()
	for range 50 {
		finish, answered := heldUpload(t, s, path, token)
		for range 100 {
			select {
			case <-answered:
			default:
				if res := probe(); res.Status == http.StatusServiceUnavailable {
					return finish
				}
				time.Sleep(5 * time.Millisecond)
				continue
			}
			break
		}
		finish()
	}
	t.Fatal("the held upload never filled the upload memory")
	return nil
}

// untilStatus repeats an upload (a bounded number of times: the memory
// is released just after the answer) until it is answered status.
func untilStatus(t *testing.T, status int, upload func() apptest.Response) apptest.Response {
	t.Helper()
	var res apptest.Response
	for range 500 {
		if res = upload(); res.Status == status {
			return res
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never answered %d; last %d %s", status, res.Status, res.Body)
	return res
}

// While the upload memory is taken, an upload is refused before its body
// is read: 503 unavailable with Retry-After, audited as the installer's
// upload-document; once the memory is released, uploads are stored again.
func TestUploadMemoryFullIsAuditedServiceUnavailable(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			const limit = 1024
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) {
				c.MaxDocumentSize, c.MaxUploadMemory = limit, limit // room for one upload of the limit
			}})
			iit := s.Login(t, demo.Installer, "gennaro")
			admin := s.Login(t, demo.Admin, "anna")
			path := "/api/v1/installations/" + installerInstallation(t, s, iit) + "/documents"
			small := func() apptest.Response {
				return postMultipart(t, s, path, iit, uploadPart{field: "file", filename: "small.pdf", content: scanPDF})
			}
			finish := holdGate(t, s, path, iit, small)

			res, added := entriesOf(t, s, admin, small)
			checkProblem(t, res, http.StatusServiceUnavailable)
			if got := res.Header.Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After %q, want 5", got)
			}
			if len(added) != 1 {
				t.Fatalf("the refusal added %d entries, want 1: %+v", len(added), added)
			}
			if e := added[0]; e.Operation != "upload-document" || e.Status != http.StatusServiceUnavailable || e.Outcome != "failed" || e.Actor != demo.Installer {
				t.Errorf("audit entry %+v, want the installer's upload-document, 503, failed", e)
			}

			if res := finish(); res.Status != http.StatusCreated {
				t.Fatalf("the held upload: %d %s", res.Status, res.Body)
			}
			untilStatus(t, http.StatusCreated, small)
		})
	}
}

// heapObjects is the bytes of live and not yet collected heap objects.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestParallelUploadsHoldBoundedMemory sends 16 uploads of the document
// limit at once, each retrying after a 503, and measures the growth of
// the heap while they run: with the upload memory at its default (four
// documents) it stays within a few times that, not sixteen uploads' worth.
func TestParallelUploadsHoldBoundedMemory(t *testing.T) {
	const limit, parallel = 4 << 20, 16
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.MaxDocumentSize = limit }})
	iit := s.Login(t, demo.Installer, "gennaro")
	path := "/api/v1/installations/" + installerInstallation(t, s, iit) + "/documents"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("file", "scan.pdf")
	_, _ = part.Write(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), limit-9)...))
	_ = mw.Close()
	ctype := mw.FormDataContentType()

	defer debug.SetGCPercent(debug.SetGCPercent(25)) // garbage collected soon: the heap is near what is held
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak.Store(max(peak.Load(), heapObjects()))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	var created, refused atomic.Int64
	for range parallel {
		wg.Go(func() {
			for range 1000 {
				req, _ := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body.Bytes()))
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("Authorization", "Bearer "+iit)
				res := s.Send(t, req)
				switch res.Status {
				case http.StatusCreated:
					created.Add(1)
					return
				case http.StatusServiceUnavailable:
					refused.Add(1)
					if res.Header.Get("Retry-After") == "" {
						t.Errorf("503 without Retry-After")
					}
					time.Sleep(20 * time.Millisecond)
				default:
					t.Errorf("upload: %d %s", res.Status, res.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled

	growth := int64(peak.Load()) - int64(base)
	t.Logf("16 parallel uploads of %d MiB: %d stored, %d refused with 503 on the way; heap growth %.1f MiB",
		limit>>20, created.Load(), refused.Load(), float64(growth)/(1<<20))
	if created.Load() != parallel {
		t.Fatalf("%d of %d uploads stored", created.Load(), parallel)
	}
	// At most four uploads in flight (the default memory), each with its
	// buffer, its ciphertext and the store's copies: within three times
	// the upload memory. Without the gate the same load grew the heap by
	// about 80 MiB; with it, about 22 MiB.
	if bound := int64(3 * api.DefaultUploadMemory(limit)); growth > bound {
		t.Errorf("heap grew by %d MiB with %d parallel uploads, want at most %d MiB", growth>>20, parallel, bound>>20)
	}
}
