package api_test

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// scanPDF is a small but well-formed-looking PDF: what the sniffer keys
// on is the leading "%PDF-".
var scanPDF = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// uploadPart is one part of a multipart upload.
type uploadPart struct {
	field, filename, contentType string
	content                      []byte
}

// postMultipart sends parts as multipart/form-data to path.
func postMultipart(t testing.TB, s *apptest.Server, path, token string, parts ...uploadPart) apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disposition := map[string]string{"name": p.field}
		if p.filename != "" {
			disposition["filename"] = p.filename
		}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", disposition))
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return s.Send(t, req)
}

// installerInstallation returns the installer's pseudonym of an
// installation whose patient is still in the study.
func installerInstallation(t testing.TB, s *apptest.Server, token string) string {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/installations", token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list installations: %d %s", res.Status, res.Body)
	}
	var list struct {
		Installations []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"installations"`
	}
	res.JSON(t, &list)
	for _, i := range list.Installations {
		if i.Status == "working" {
			return i.ID
		}
	}
	t.Fatalf("no working installation among %s", res.Body)
	return ""
}

type documentJSON struct {
	ID           string `json:"id"`
	Installation string `json:"installation"`
	Name         string `json:"name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	UploadedBy   string `json:"uploaded_by"`
}

func TestDocumentUploadAndDownload(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	iit := s.Login(t, demo.Installer, "gennaro")
	inst := installerInstallation(t, s, iit)
	uploadPath := "/api/v1/installations/" + inst + "/documents"

	res := postMultipart(t, s, uploadPath, iit, uploadPart{
		field: "file", filename: `C:\scans\"consenso" Müller.pdf`, contentType: "image/png", content: scanPDF,
	})
	if res.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	var doc documentJSON
	res.JSON(t, &doc)

	t.Run("the stored type is sniffed from the content, not taken from the client's part header", func(t *testing.T) {
		if doc.ContentType != "application/pdf" {
			t.Errorf("content_type %q, want application/pdf", doc.ContentType)
		}
		if doc.Size != int64(len(scanPDF)) || doc.UploadedBy != demo.Installer || doc.Installation != inst {
			t.Errorf("document %+v: want size %d, uploaded by %s, installation %s", doc, len(scanPDF), demo.Installer, inst)
		}
	})

	t.Run("the file name loses its path and quotes but keeps its non-ASCII letters", func(t *testing.T) {
		if doc.Name != "consenso Müller.pdf" {
			t.Errorf("name %q, want %q", doc.Name, "consenso Müller.pdf")
		}
	})

	t.Run("the installation's document list shows it", func(t *testing.T) {
		res := s.Do(t, http.MethodGet, uploadPath, iit, nil)
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"`+doc.ID+`"`) {
			t.Fatalf("list: %d %s, want it to list %s", res.Status, res.Body, doc.ID)
		}
	})

	t.Run("the download is the same bytes as an attachment the browser must not sniff", func(t *testing.T) {
		res := s.Do(t, http.MethodGet, "/api/v1/documents/"+doc.ID, iit, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("download: %d %s", res.Status, res.Body)
		}
		if !bytes.Equal(res.Body, scanPDF) {
			t.Errorf("downloaded %q, want %q", res.Body, scanPDF)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q, want application/pdf", ct)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options %q, want nosniff", got)
		}
		disposition, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
		if err != nil {
			t.Fatalf("Content-Disposition %q does not parse: %v", res.Header.Get("Content-Disposition"), err)
		}
		if disposition != "attachment" {
			t.Errorf("disposition %q, want attachment", disposition)
		}
		if name := params["filename"]; name != doc.Name || strings.ContainsAny(name, "/\\\"\r\n") {
			t.Errorf("filename %q, want the stored name %q with no path, quotes or line breaks", name, doc.Name)
		}
	})

	t.Run("other roles with document read access download it under their own pseudonym", func(t *testing.T) {
		for _, who := range []struct{ user, pw string }{{demo.Doctor, "alice"}, {demo.Monitoring, "vincenzo"}, {demo.Researcher, "stefano"}} {
			tok := s.Login(t, who.user, who.pw)
			id := documentNamed(t, s, tok, doc.Name)
			if id == "" {
				t.Fatalf("%s finds no document named %q", who.user, doc.Name)
			}
			if id == doc.ID {
				t.Errorf("%s sees the installer's pseudonym %s", who.user, doc.ID)
			}
			res := s.Do(t, http.MethodGet, "/api/v1/documents/"+id, tok, nil)
			if res.Status != http.StatusOK || !bytes.Equal(res.Body, scanPDF) {
				t.Errorf("%s downloads %d %.100q", who.user, res.Status, res.Body)
			}
		}
	})

	t.Run("a document larger than a JSON body may be is accepted under the default limit", func(t *testing.T) {
		big := append(append([]byte{}, scanPDF...), bytes.Repeat([]byte("0"), 3<<20)...)
		res := postMultipart(t, s, uploadPath, iit, uploadPart{field: "file", filename: "big scan.pdf", content: big})
		if res.Status != http.StatusCreated {
			t.Fatalf("upload of %d bytes: %d %.300s", len(big), res.Status, res.Body)
		}
		var d documentJSON
		res.JSON(t, &d)
		if got := s.Do(t, http.MethodGet, "/api/v1/documents/"+d.ID, iit, nil); got.Status != http.StatusOK || !bytes.Equal(got.Body, big) {
			t.Errorf("download of the big document: %d, %d bytes, want %d", got.Status, len(got.Body), len(big))
		}
	})

	t.Run("the installer deletes it and it is gone", func(t *testing.T) {
		res := s.Do(t, http.MethodDelete, "/api/v1/documents/"+doc.ID, iit, nil)
		if res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		checkProblem(t, s.Do(t, http.MethodGet, "/api/v1/documents/"+doc.ID, iit, nil), http.StatusNotFound)
		checkProblem(t, s.Do(t, http.MethodDelete, "/api/v1/documents/"+doc.ID, iit, nil), http.StatusNotFound)
	})
}

// documentNamed finds a document by name in every installation the
// caller sees and returns the caller's reference to it, or "".
func documentNamed(t testing.TB, s *apptest.Server, token, name string) string {
	t.Helper()
	var insts struct {
		Installations []struct {
			ID string `json:"id"`
		} `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations", token, nil).JSON(t, &insts)
	for _, inst := range insts.Installations {
		var docs struct {
			Documents []documentJSON `json:"documents"`
		}
		s.Do(t, http.MethodGet, "/api/v1/installations/"+inst.ID+"/documents", token, nil).JSON(t, &docs)
		for _, d := range docs.Documents {
			if d.Name == name {
				return d.ID
			}
		}
	}
	return ""
}

func TestDocumentUploadLimits(t *testing.T) {
	t.Parallel()
	const limit = 1024
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.MaxDocumentSize = limit }})
	iit := s.Login(t, demo.Installer, "gennaro")
	uploadPath := "/api/v1/installations/" + installerInstallation(t, s, iit) + "/documents"
	pdfOfSize := func(n int) []byte {
		return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), n-len("%PDF-1.4\n"))...)
	}

	t.Run("a file of exactly the limit is accepted", func(t *testing.T) {
		res := postMultipart(t, s, uploadPath, iit, uploadPart{field: "file", filename: "limit.pdf", content: pdfOfSize(limit)})
		if res.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
	})

	refused := []struct {
		name   string
		status int
		parts  []uploadPart
	}{
		{"a file one byte over the limit is too large", http.StatusRequestEntityTooLarge,
			[]uploadPart{{field: "file", filename: "big.pdf", content: pdfOfSize(limit + 1)}}},
		{"a file many times the limit is too large", http.StatusRequestEntityTooLarge,
			[]uploadPart{{field: "file", filename: "huge.pdf", content: pdfOfSize(64 * limit)}}},
		{"a form without a file field is refused", http.StatusUnprocessableEntity,
			[]uploadPart{{field: "note", content: []byte("no file here")}}},
		{"a file under another field name is refused", http.StatusUnprocessableEntity,
			[]uploadPart{{field: "document", filename: "scan.pdf", content: scanPDF}}},
		{"an empty file is refused", http.StatusUnprocessableEntity,
			[]uploadPart{{field: "file", filename: "empty.pdf"}}},
		{"a file part without a file name is refused", http.StatusUnprocessableEntity,
			[]uploadPart{{field: "file", content: scanPDF}}},
		{"a file name made only of quotes is refused", http.StatusUnprocessableEntity,
			[]uploadPart{{field: "file", filename: `""`, content: scanPDF}}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			res := postMultipart(t, s, uploadPath, iit, tt.parts...)
			checkProblem(t, res, tt.status)
			if bytes.Contains(res.Body, []byte("%PDF")) || bytes.Contains(res.Body, []byte("no file here")) {
				t.Errorf("the refusal echoes the upload: %.300s", res.Body)
			}
		})
	}

	t.Run("a body that is not multipart is refused as an unsupported media type", func(t *testing.T) {
		p := checkProblem(t, s.Do(t, http.MethodPost, uploadPath, iit, map[string]string{"file": "%PDF-1.4"}), http.StatusUnsupportedMediaType)
		if !strings.Contains(p.Detail, "multipart/form-data") {
			t.Errorf("detail %q does not name the media type the route accepts", p.Detail)
		}
	})

	t.Run("nothing refused was stored", func(t *testing.T) {
		for _, name := range []string{"big.pdf", "huge.pdf", "scan.pdf", "empty.pdf"} {
			if id := documentNamed(t, s, iit, name); id != "" {
				t.Errorf("%s was stored as %s", name, id)
			}
		}
	})
}
