package api

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/domain"
)

// The OpenAPI document is what generated clients are built from, so it
// declares every answer the API gives: each status an operation can
// answer (the refusals made before routing included), each media type,
// and each header. Operations declare what is theirs; what is common to
// every operation is declared here, once, after all are registered
// (finishDocument). The conformance check of the API's tests
// (internal/testsupport/conformance) holds the API to it.

// tags name the groups of operations; every operation's tags are among
// them (a document test checks it).
var tags = []*huma.Tag{
	{Name: "auth", Description: "Logging in with a local account, and who the caller is."},
	{Name: "patients", Description: "Enrolment, identity, medical record and withdrawal (doctors); pseudonymised summaries for the other roles."},
	{Name: "screening", Description: "Screening data of the enrolled patients: pseudonymised for researchers."},
	{Name: "installations", Description: "The sensor kits in patients' homes, their derived status and the days of data collection."},
	{Name: "contact sheet", Description: "How to reach a patient's home: for doctors and installers."},
	{Name: "tickets", Description: "Installation, maintenance and uninstallation tickets with their message threads."},
	{Name: "documents", Description: "Files attached to an installation: maps, signed forms, photos."},
	{Name: "audit", Description: "The audit trail, its chain verification, and a patient's access history."},
	{Name: "accounts", Description: "The local accounts (read only: they are managed on the host with serenade user)."},
	{Name: "sensor ingest", Description: "Gateways sending readings (POST /ingest/v1/readings, with an ingest token), and the installers' and monitoring's provisioning of those tokens."},
	{Name: "sensor data", Description: "Streams and readings: downsampled series, CSV exports, and the researchers' cohort export (gzip CSV or Parquet)."},
	{Name: "device health", Description: "Last readings, gaps and data completeness of an installation's streams."},
}

// Headers declared once under components.headers.
const (
	hdrCacheControl = "Cache-Control"
	hdrNoSniff      = "X-Content-Type-Options"
	hdrRequestID    = "X-Request-Id"
	hdrRetryAfter   = "Retry-After"
	hdrLocation     = "Location"
	hdrAuthenticate = "WWW-Authenticate"
)

// everyAnswer are the headers every answer of the API carries.
var everyAnswer = []string{hdrCacheControl, hdrNoSniff, hdrRequestID}

func headerComponents() map[string]*huma.Header {
	str := func(desc string, enum ...any) *huma.Header {
		return &huma.Header{Description: desc, Schema: &huma.Schema{Type: "string", Enum: enum}}
	}
	return map[string]*huma.Header{
		hdrCacheControl: str("Answers are never stored by caches.", "no-store"),
		hdrNoSniff:      str("Clients must not guess another content type.", "nosniff"),
		hdrRequestID:    str("The request's id, as in the server's logs; given by a trusted proxy or made up."),
		hdrRetryAfter: {Description: "Seconds to wait before trying again.",
			Schema: &huma.Schema{Type: "integer", Minimum: ptr(1.0)}},
		hdrLocation: {Description: "The created resource, as a path from the server's root: the id (doctors) or the caller's pseudonym, as in the body.",
			Schema: &huma.Schema{Type: "string", Format: "uri-reference"}},
		hdrAuthenticate: str("The scheme to authenticate with: Bearer."),
	}
}

func ptr[T any](v T) *T { return &v }

// configureDocument sets what the document says of the API as a whole:
// where it is served, its groups, the security every operation needs
// unless it says otherwise, the common headers, and the schemas of
// domain types that are enumerations.
func configureDocument(cfg *huma.Config) {
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The server that serves this document (paths begin with " + Prefix + ")."}}
	cfg.Tags = tags
	cfg.Security = []map[string][]string{{"oauth2": {}}, {"bearer": {}}}
	cfg.Components.Headers = headerComponents()
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[domain.InstallationStatus](), reflect.TypeFor[installationStatus]())
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[domain.DiagnosisClass](), reflect.TypeFor[diagnosisClass]())
}

// installationStatus stands for domain.InstallationStatus in the
// document: a string among the statuses the domain derives.
type installationStatus string

// Schema lists the statuses.
func (installationStatus) Schema(huma.Registry) *huma.Schema {
	return stringEnum(domain.InstallationStatuses)
}

// diagnosisClass stands for domain.DiagnosisClass in the document, in
// answers as in requests: a string among the classes the domain accepts,
// or empty in the answers about a withdrawn patient, whose medical data
// is erased (the domain refuses an empty class in every request).
type diagnosisClass string

// Schema lists the classes, and the empty value of an erased record.
func (diagnosisClass) Schema(huma.Registry) *huma.Schema {
	s := stringEnum(append(slices.Clone(domain.DiagnosisClasses), ""))
	s.Description = "The screening's diagnosis class; empty once the patient withdrew and the medical data was erased."
	return s
}

// stringEnum is the schema of a string among values, in their order.
func stringEnum[T ~string](values []T) *huma.Schema {
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = string(v)
	}
	return &huma.Schema{Type: "string", Enum: enum}
}

// finishDocument declares, on every operation, the answers that are
// common to all: the refusals made before routing (400 for two
// Authorization headers, 406 where the answer is JSON and Accept
// excludes it, 413 for a declared body over the limit, 431), 503 when
// the audit trail or the token's account cannot be checked, and, where
// a body is read, 400 (malformed), 408 and 415. Each answer gets its
// headers; a public operation says it needs no security (security: []).
// Problem members type and instance are URI references (RFC 9457).
func finishDocument(oapi *huma.OpenAPI) {
	oapi.Components.Responses = commonResponses()
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op != nil {
				finishOperation(op)
			}
		}
	}
	errModel := oapi.Components.Schemas.Map()["ErrorModel"]
	for _, member := range []string{"type", "instance"} {
		errModel.Properties[member].Format = "uri-reference"
	}
}

func finishOperation(op *huma.Operation) {
	statuses := []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge,
		http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError, http.StatusServiceUnavailable}
	if answersJSON(op) {
		statuses = append(statuses, http.StatusNotAcceptable)
	}
	if op.RequestBody != nil {
		statuses = append(statuses, http.StatusRequestTimeout, http.StatusUnsupportedMediaType)
	}
	for _, status := range statuses {
		if op.Responses[strconv.Itoa(status)] == nil {
			op.Responses[strconv.Itoa(status)] = &huma.Response{Ref: "#/components/responses/" + responseName(status)}
		}
	}
	if op.Metadata[publicOp] == true {
		op.Security = []map[string][]string{}
	}
	for code, res := range op.Responses {
		if res.Ref == "" {
			declareHeaders(code, res)
		}
	}
}

// commonStatuses are the refusals finishDocument adds; each is declared
// once under components.responses and referred to by the operations.
var commonStatuses = []int{http.StatusBadRequest, http.StatusNotAcceptable, http.StatusRequestTimeout,
	http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusRequestHeaderFieldsTooLarge,
	http.StatusInternalServerError, http.StatusServiceUnavailable}

func commonResponses() map[string]*huma.Response {
	out := make(map[string]*huma.Response, len(commonStatuses))
	for _, status := range commonStatuses {
		res := problemResponse(status)
		declareHeaders(strconv.Itoa(status), res)
		out[responseName(status)] = res
	}
	return out
}

// responseName is a common response's name: its status text without
// spaces (RequestEntityTooLarge).
func responseName(status int) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(http.StatusText(status))
}

// problemResponse is an answer with a problem document.
func problemResponse(status int) *huma.Response {
	return &huma.Response{Description: http.StatusText(status), Content: map[string]*huma.MediaType{
		"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/ErrorModel"}}}}
}

// declareHeaders declares the headers of one answer: those every answer
// carries, and those of its status (Location on 201, Retry-After on 429
// and 503, WWW-Authenticate on 401); what the operation declared itself
// stays.
func declareHeaders(code string, res *huma.Response) {
	if res.Headers == nil {
		res.Headers = map[string]*huma.Header{}
	}
	add := func(name string, required bool) {
		switch {
		case res.Headers[name] != nil:
		case required: // a reference cannot say required: a copy does
			h := *headerComponents()[name]
			h.Required = true
			res.Headers[name] = &h
		default:
			res.Headers[name] = &huma.Header{Ref: "#/components/headers/" + name}
		}
	}
	for _, h := range everyAnswer {
		add(h, false)
	}
	switch code {
	case "201":
		add(hdrLocation, true)
	case "401":
		add(hdrAuthenticate, false)
	case "429":
		add(hdrRetryAfter, true)
	case "503":
		add(hdrRetryAfter, false)
	}
}

// downloadTypes are the media types a document download is declared
// with: the closed set documents are stored and served with
// (domain.DocumentMediaTypes; the stored type is sniffed from the bytes,
// never the client's word). Their content has no schema: it is the file.
var downloadTypes = domain.DocumentMediaTypes

// downloadResponse is the answer of a document download, with the
// headers the handler sends.
func downloadResponse() *huma.Response {
	content := make(map[string]*huma.MediaType, len(downloadTypes))
	for _, t := range downloadTypes {
		content[t] = &huma.MediaType{}
	}
	str := &huma.Schema{Type: "string"}
	return &huma.Response{Description: "The file, with the type sniffed from its content.", Content: content,
		Headers: map[string]*huma.Header{
			"Content-Disposition": {Required: true, Schema: str,
				Description: "attachment, with the file name as the caller may see it (RFC 6266)."},
			"Content-Security-Policy": {Schema: str,
				Description: "sandbox; default-src 'none': a browser that opens the file runs nothing in it."},
		}}
}
