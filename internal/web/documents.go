package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"

	"serenade/internal/access"
	"serenade/internal/api"
	"serenade/internal/view"
)

// documentRoutes are an installation's documents: upload, download and
// delete (with a confirmation page).
func (s *Server) documentRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/documents", Action: access.DocumentWrite, Handler: s.documentUpload},
		{Method: http.MethodGet, Pattern: "/field/installations/{installation}/documents/{document}", Action: access.DocumentRead, Handler: s.documentDownload},
		{Method: http.MethodGet, Pattern: "/field/installations/{installation}/documents/{document}/delete", Action: access.DocumentDelete, Handler: s.documentDeleteConfirm},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/documents/{document}/delete", Action: access.DocumentDelete, Handler: s.documentDelete},
	}
}

// documentTypes are the API's document types, in the form's order.
var documentTypes = []string{"map", "signed-form", "photo", "other"}

// loadDocuments reads an installation's documents for a caller who may.
func (s *Server) loadDocuments(c *Client, base string, d *fieldInstallationData) error {
	if !d.Can.ReadDocuments {
		return nil
	}
	var out struct {
		Documents []view.DocumentView `json:"documents"`
	}
	if err := c.Get(base+"/documents", nil, &out); err != nil {
		return err
	}
	d.Documents = out.Documents
	return nil
}

// documentUpload passes the form's file and type on to the API as a
// multipart body of its own (file and type parts only), and answers as
// the other forms: back to the page, or the page with the refusal.
// The browser's form was read by the CSRF check, in memory up to 32 MiB
// (the document limit is 20 MiB by default).
func (s *Server) documentUpload(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	typ := r.PostFormValue("type")
	if !slices.Contains(documentTypes, typ) {
		typ = "other"
	}
	body, contentType, err := uploadBody(r, typ)
	if err == http.ErrMissingFile {
		return s.formFailed(w, r, ref, "document", "", &Problem{Status: http.StatusUnprocessableEntity,
			Errors: []ProblemField{{Location: "body.file", Message: "a file field is required"}}})
	}
	if err != nil {
		return err
	}
	if err := s.client(r).raw(http.MethodPost, "/installations/"+url.PathEscape(ref)+"/documents", contentType, body); err != nil {
		return s.formFailed(w, r, ref, "document", "field.refused.document", err)
	}
	return backTo(w, r, ref, "document", "documents")
}

// uploadBody rebuilds the upload as the API takes it: a "type" part and
// one "file" part with the browser's file name.
func uploadBody(r *http.Request, typ string) (*bytes.Buffer, string, error) {
	f, h, err := r.FormFile("file")
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("type", typ); err != nil {
		return nil, "", err
	}
	part, err := mw.CreateFormFile("file", h.Filename)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

// raw sends a body of a given content type to the API (an upload) and
// decodes its answer's problem, if any.
func (c *Client) raw(method, path, contentType string, body io.Reader) error {
	req := httptest.NewRequestWithContext(c.page.Context(), method, api.Prefix+path, body)
	c.prepare(req)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	return decodeAnswer(rec, nil)
}

// documentDeleteData is the view model of the delete confirmation: the
// document and its installation.
type documentDeleteData struct {
	fieldHelpers
	Inst view.InstallationView
	Doc  view.DocumentView
}

// documentDeleteConfirm asks before deleting a document.
func (s *Server) documentDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	ref, doc := r.PathValue("installation"), r.PathValue("document")
	c, base := s.client(r), "/installations/"+url.PathEscape(ref)
	d := documentDeleteData{}
	if err := c.Get(base, nil, &d.Inst); err != nil {
		return err
	}
	var out struct {
		Documents []view.DocumentView `json:"documents"`
	}
	if err := c.Get(base+"/documents", nil, &out); err != nil {
		return err
	}
	i := slices.IndexFunc(out.Documents, func(x view.DocumentView) bool { return x.ID == doc })
	if i < 0 {
		return statusError(http.StatusNotFound)
	}
	d.Doc = out.Documents[i]
	return s.render(w, http.StatusOK, "documents_delete", s.page(r, "documents.delete.title", d))
}

// documentDelete deletes the document and goes back to its installation.
func (s *Server) documentDelete(w http.ResponseWriter, r *http.Request) error {
	ref, doc := r.PathValue("installation"), r.PathValue("document")
	if err := s.client(r).Do(http.MethodDelete, "/documents/"+url.PathEscape(doc), nil, nil); err != nil {
		return err
	}
	return backTo(w, r, ref, "document_deleted", "documents")
}
