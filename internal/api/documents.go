package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/httplimit"
	"serenade/internal/view"
)

type documentRef struct {
	Document string `path:"document" doc:"Document id (doctors) or the caller's pseudonym of the document."`
	id       int64  // resolved before the handler runs (refs.go)
}

type documentOutput struct{ Body view.DocumentView }

type documentListOutput struct {
	Body struct {
		Documents []view.DocumentView `json:"documents"`
	}
}

// uploadReadTimeout bounds how long a client may take to send a document.
const uploadReadTimeout = 2 * time.Minute

// metaMaxDocumentSize carries the upload limit to the upload resolver.
const metaMaxDocumentSize = "maxDocumentSize"

// uploadInput reads the multipart body itself, as a stream into memory
// bounded by the size limit: a patient's document must never be spooled
// to a temporary file in clear, which is what a generic multipart parser
// does with large files.
type uploadInput struct {
	InstallationRef
	name     string
	typ      string // the optional "type" part; "" when absent
	typeSeen bool
	content  []byte
	tooLarge bool
}

// maxTypePart bounds the "type" part: the longest code is 11 bytes, and a
// longer value is refused as unknown without being kept.
const maxTypePart = 32

// Resolve reads the one "file" part of a multipart/form-data body and the
// optional "type" part, in either order. Any other part, or a second file
// or type, is refused: a part the server ignores is a part the client
// believed was stored.
func (u *uploadInput) Resolve(ctx huma.Context) []error {
	limit, _ := ctx.Operation().Metadata[metaMaxDocumentSize].(int64)
	mt, params, err := mime.ParseMediaType(ctx.Header("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return []error{&huma.ErrorDetail{Location: "body", Message: "must be multipart/form-data with a file field"}}
	}
	// The memory the body may fill is reserved before it is read.
	size := reservation(declaredLength(ctx), limit)
	if gate, _ := ctx.Operation().Metadata[metaUploadGate].(*uploadGate); gate == nil || !gate.acquire(ctx, size) {
		return []error{errUploadsBusy()}
	}
	// huma applies BodyReadTimeout only to bodies it reads itself.
	_ = ctx.SetReadDeadline(time.Now().Add(uploadReadTimeout))
	mr := multipart.NewReader(ctx.BodyReader(), params["boundary"])
	seen := false
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF) && seen:
			return nil
		case errors.Is(err, io.EOF):
			return []error{&huma.ErrorDetail{Location: "body.file", Message: "a file field is required"}}
		case err != nil:
			return []error{uploadError(err, "body", "malformed multipart body")}
		case part.FormName() == "type":
			if errs := u.readType(part); errs != nil {
				return errs
			}
			continue
		case part.FormName() != "file":
			return []error{unexpectedPart()}
		case seen:
			return []error{&huma.ErrorDetail{Location: "body.file", Message: "only one file per upload: a second file part was sent"}}
		}
		seen = true
		if errs := u.read(part, limit, size); errs != nil || u.tooLarge {
			return errs // too large: answered 413 without reading the rest
		}
	}
}

// read keeps the file part in memory, up to one byte over the limit, in
// a buffer of the reserved size, so that it never grows past it.
func (u *uploadInput) read(part *multipart.Part, limit, size int64) []error {
	var buf bytes.Buffer
	buf.Grow(int(size))
	n, err := io.Copy(&buf, io.LimitReader(part, limit+1))
	if err != nil {
		return []error{uploadError(err, "body.file", "the upload was interrupted")}
	}
	u.name, u.content, u.tooLarge = part.FileName(), buf.Bytes(), n > limit
	if unsupportedNameCharset(part.Header.Get("Content-Disposition")) {
		return []error{&huma.ErrorDetail{Location: "body.file",
			Message: "the file name's character set is not supported: send filename*=UTF-8''… (RFC 5987) or a UTF-8 filename"}}
	}
	return nil
}

// readType keeps the "type" part, bounded; its value is checked by the
// service, whose refusal names the field.
func (u *uploadInput) readType(part *multipart.Part) []error {
	if u.typeSeen {
		return []error{&huma.ErrorDetail{Location: "body.type", Message: "only one type per upload: a second type part was sent"}}
	}
	b, err := io.ReadAll(io.LimitReader(part, maxTypePart+1))
	if err != nil {
		return []error{uploadError(err, "body.type", "the upload was interrupted")}
	}
	u.typ, u.typeSeen = string(b), true
	if len(b) > maxTypePart {
		u.typ = "?" // unknown: refused by the service without the value
	}
	return nil
}

// extendedName matches an RFC 2231/5987 extended file name parameter
// (filename*=, or the first piece filename*0*= of a continued one) up to
// the end of its charset.
var extendedName = regexp.MustCompile(`(?i)(?:^|;)\s*filename\*(?:0\*)?\s*=\s*"?([^';"]*)'`)

// plainName matches a plain filename= parameter.
var plainName = regexp.MustCompile(`(?i)(?:^|;)\s*filename\s*=`)

// unsupportedNameCharset reports a Content-Disposition whose extended file
// name is in a charset other than UTF-8 or US-ASCII and that has no plain
// filename= to fall back on (RFC 6266 §4.3). The multipart reader drops
// such a name silently, or keeps only its later pieces (filename*1=…),
// and the sender must be told why its name was not taken, not that it
// sent none, nor have a fragment stored.
func unsupportedNameCharset(disposition string) bool {
	m := extendedName.FindStringSubmatch(disposition)
	if m == nil || plainName.MatchString(disposition) {
		return false
	}
	cs := strings.ToLower(strings.TrimSpace(m[1]))
	return cs != "utf-8" && cs != "us-ascii"
}

// unexpectedPart refuses a part not named file, at the body: the part's
// name is the client's and is not repeated (see declared.go).
func unexpectedPart() error {
	return &huma.ErrorDetail{Location: "body", Message: "unexpected field: an upload has one part named file and at most one named type (the other part's name is not repeated)"}
}

// uploadError is a 413 when the body went over the route's limit (the
// outermost layer bounds it), a 408 when the client did not send it
// within the read deadline (as huma answers for the bodies it reads),
// else a validation error at loc saying msg.
func uploadError(err error, loc, msg string) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return huma.NewError(http.StatusRequestEntityTooLarge, "the body is larger than the limit of "+strconv.FormatInt(tooLarge.Limit, 10)+" bytes for this route")
	}
	if netErr, ok := errors.AsType[net.Error](err); ok && netErr.Timeout() {
		return huma.NewError(http.StatusRequestTimeout, "request body read timeout")
	}
	return &huma.ErrorDetail{Location: loc, Message: msg}
}

func (a *API) registerDocuments() {
	tags := []string{"documents"}
	register(a, access.DocumentRead, huma.Operation{OperationID: "list-documents", Method: http.MethodGet, Path: "/installations/{installation}/documents", Tags: tags,
		Summary: "List an installation's documents", Errors: []int{http.StatusNotFound}}, a.listDocuments)
	register(a, access.DocumentWrite, huma.Operation{OperationID: "upload-document", Method: http.MethodPost, Path: "/installations/{installation}/documents", Tags: tags,
		Summary: "Upload a document", DefaultStatus: http.StatusCreated,
		Description: "multipart/form-data with one `file` part, at most " + strconv.FormatInt(a.deps.MaxDocumentSize, 10) + " bytes, and an optional `type` part " +
			"(`map`, `signed-form`, `photo` or `other`; `other` when absent; any other value is a 422 naming `type`); " +
			"a second file or type or any other part is refused (422; the other part's name is not repeated). The stored type is sniffed from the content (e.g. `image/heic` for an iPhone photo).",
		Errors:          []int{http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Metadata:        map[string]any{metaMaxDocumentSize: a.deps.MaxDocumentSize, metaUploadGate: a.uploads, metaLocation: "/documents/{id}"},
		BodyReadTimeout: uploadReadTimeout,
		MaxBodyBytes:    a.deps.MaxDocumentSize + httplimit.MultipartOverhead, // enforced before the body is read

	}, a.uploadDocument)
	// Documented after registering: given an object schema, huma would read
	// the whole body itself and refuse multipart/form-data with a 415.
	a.huma.OpenAPI().Paths[Prefix+"/installations/{installation}/documents"].Post.RequestBody = &huma.RequestBody{
		Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {Schema: &huma.Schema{
			Type: "object", Required: []string{"file"}, AdditionalProperties: false,
			Properties: map[string]*huma.Schema{"file": {Type: "string", Format: "binary",
				Description: "The document. Its file name is kept without its path and double quotes, under the single-line text policy, at most 255 characters."},
				"type": {Type: "string", Enum: documentTypeEnum(), Default: string(domain.DocumentOther),
					Description: "What the document is; other when absent."}},
		}}}}
	register(a, access.DocumentRead, huma.Operation{OperationID: "download-document", Method: http.MethodGet, Path: "/documents/{document}", Tags: tags,
		Summary: "Download a document", Errors: []int{http.StatusNotFound},
		Description: "The body is the file, with its sniffed content type and an attachment Content-Disposition.",
		Responses:   map[string]*huma.Response{"200": downloadResponse()},
	}, a.downloadDocument)
	register(a, access.DocumentDelete, huma.Operation{OperationID: "delete-document", Method: http.MethodDelete, Path: "/documents/{document}", Tags: tags,
		Summary: "Delete a document", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, a.deleteDocument)
}

func (a *API) listDocuments(ctx context.Context, in *InstallationRef) (*documentListOutput, error) {
	docs, err := a.deps.Study.Documents(ctx, in.id)
	if err != nil {
		return nil, err
	}
	out := &documentListOutput{}
	out.Body.Documents = make([]view.DocumentView, len(docs))
	if len(docs) == 0 {
		return out, nil
	}
	v, err := a.viewerOf(ctx, docs[0].PatientID) // one installation: one patient
	if err != nil {
		return nil, err
	}
	for i, d := range docs {
		out.Body.Documents[i] = v.Document(d)
	}
	v.OrderDocuments(out.Body.Documents)
	return out, nil
}

func (a *API) uploadDocument(ctx context.Context, in *uploadInput) (*documentOutput, error) {
	if in.tooLarge {
		return nil, huma.NewError(http.StatusRequestEntityTooLarge, "the document is larger than "+strconv.FormatInt(a.deps.MaxDocumentSize, 10)+" bytes")
	}
	d, err := a.deps.Study.AddDocument(ctx, in.InstallationRef.id, domain.DocumentType(in.typ), in.name, in.content)
	if err != nil {
		return nil, err
	}
	v, err := a.viewerOf(ctx, d.PatientID)
	if err != nil {
		return nil, err
	}
	return &documentOutput{Body: v.Document(d)}, nil
}

func (a *API) downloadDocument(ctx context.Context, in *documentRef) (*huma.StreamResponse, error) {
	d, content, err := a.deps.Study.DocumentContent(ctx, in.id)
	if err != nil {
		return nil, err
	}
	v, err := a.viewerOf(ctx, d.PatientID)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		disposition := mime.FormatMediaType("attachment", map[string]string{"filename": v.Text(d.PatientID, d.Name)})
		if disposition == "" {
			disposition = "attachment"
		}
		hctx.SetHeader("Content-Type", domain.DocumentMediaType(d.ContentType)) // stored before the set was closed: octet-stream
		hctx.SetHeader("Content-Disposition", disposition)
		hctx.SetHeader("Content-Length", strconv.Itoa(len(content)))
		hctx.SetHeader("X-Content-Type-Options", "nosniff")
		hctx.SetHeader("Content-Security-Policy", "sandbox; default-src 'none'")
		hctx.SetHeader("Cache-Control", "no-store")
		hctx.SetStatus(http.StatusOK)
		_, _ = hctx.BodyWriter().Write(content)
	}}, nil
}

func (a *API) deleteDocument(ctx context.Context, in *documentRef) (*struct{}, error) {
	return nil, a.deps.Study.DeleteDocument(ctx, in.id)
}

// documentTypeEnum lists the document types for the upload's schema.
func documentTypeEnum() []any {
	out := make([]any, len(domain.DocumentTypes))
	for i, t := range domain.DocumentTypes {
		out[i] = string(t)
	}
	return out
}
