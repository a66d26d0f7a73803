package api

import (
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/domain"
	"serenade/internal/ingest"
)

// describeIngest adds the HTTP ingest route to the OpenAPI document. The
// route is served by IngestHandler, outside the user API (it takes an
// ingest token, never a user's), so it is described here rather than
// registered.
func describeIngest(doc *huma.OpenAPI, bodyReadTimeout time.Duration) {
	doc.Components.SecuritySchemes["ingestToken"] = &huma.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "srn_<public id>_<secret>",
		Description: "An installation's ingest token, from POST " + Prefix + "/installations/{installation}/ingest-tokens. No user token is accepted here, and this token is accepted nowhere else."}
	ack := doc.Components.Schemas.Schema(reflect.TypeOf(ingest.Ack{}), true, "IngestAck")
	item := ingestItemSchema()
	problemOf := func(desc string) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{"application/problem+json": {Schema: ingestProblemSchema()}}}
	}
	op := &huma.Operation{
		OperationID: "ingest-readings", Method: http.MethodPost, Path: IngestPath, Tags: []string{"sensor ingest"},
		Summary: "Send a batch of sensor readings",
		Description: "A gateway sends readings of its installation's streams: a JSON array of items, or one item per line " +
			"(application/x-ndjson), optionally gzip-compressed (Content-Encoding: gzip). The whole batch is written in one " +
			"transaction and acknowledged (200) only once durable; a batch with a bad item is refused whole (nothing is kept), " +
			"naming its first bad item. Re-sending is harmless: a (stream, time) already stored keeps its first value and counts as a duplicate. " +
			"Limits: " + strconv.Itoa(ingest.DefaultMaxItems) + " items, " + strconv.Itoa(MaxIngestBody) + " bytes as sent and " +
			strconv.Itoa(ingest.DefaultMaxBytes) + " once decompressed (413). Times more than 5 minutes ahead of the server's clock " +
			"or before the installation existed are refused (422); outside its data-collection period (409). An unknown stream key " +
			"creates the stream, up to " + strconv.Itoa(domain.MaxStreamsPerInstallation) + " per installation. When too many batches " +
			"are being written the answer is 503 with Retry-After (nothing is queued).",
		Security:        []map[string][]string{{"ingestToken": {}}},
		BodyReadTimeout: bodyReadTimeout, // applied by serveIngest
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json":     {Schema: &huma.Schema{Type: "array", Items: item, MinItems: ptr(1), MaxItems: ptr(ingest.DefaultMaxItems)}},
			"application/x-ndjson": {Schema: item},
		}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The batch is durable.", Content: map[string]*huma.MediaType{"application/json": {Schema: ack}}},
			"400": problemOf("Malformed body or encoding, or no item."),
			"401": problemOf("No ingest token, an unknown one, or a revoked one (audited)."),
			"404": problemOf("No such route under /ingest/v1/."),
			"405": problemOf("Only POST."),
			"409": problemOf("An item's time is outside the installation's data-collection period (not begun, ended, or the patient withdrew)."),
			"413": problemOf("Too many items, or the body too large as sent or once decompressed."),
			"415": problemOf("A media type other than JSON or NDJSON, or an encoding other than gzip."),
			"422": problemOf("An item is bad: the problem's item names its index, field and reason."),
			"503": problemOf("Too many batches at once, or the audit trail cannot be written: try again after Retry-After."),
		},
	}
	if doc.Paths == nil {
		doc.Paths = map[string]*huma.PathItem{}
	}
	doc.Paths[IngestPath] = &huma.PathItem{Post: op}
}

func ingestItemSchema() *huma.Schema {
	kinds := make([]any, len(domain.StreamKinds))
	for i, k := range domain.StreamKinds {
		kinds[i] = string(k)
	}
	return &huma.Schema{Type: "object", Required: []string{"stream", "time", "value"}, AdditionalProperties: false,
		Properties: map[string]*huma.Schema{
			"stream": {Type: "string", MaxLength: ptr(domain.MaxStreamKeyLength), Pattern: `^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$`,
				Description: "The stream's key within the installation, e.g. kitchen.motion, fridge.door, tv.plug.power."},
			"time": {OneOf: []*huma.Schema{{Type: "string", Format: "date-time"}, {Type: "integer"}},
				Description: "RFC 3339 with a time zone, or milliseconds since 1970-01-01 UTC. Kept to the millisecond."},
			"value": {OneOf: []*huma.Schema{{Type: "number"}, {Type: "boolean"}},
				Description: "A finite number, or a boolean (stored as 1 and 0)."},
			"kind": {Type: "string", Enum: kinds, Description: "For a stream this item creates: what it measures (default: guessed from the key)."},
			"unit": {Type: "string", MinLength: ptr(1), MaxLength: ptr(16), Description: "For a stream this item creates: its UCUM unit (default by kind: W, Wh, Cel, %, 1)."},
			"cadence_s": {Type: "integer", Minimum: floatPtr(0), Maximum: floatPtr(domain.MaxCadenceSeconds),
				Description: "For a stream this item creates: seconds between readings, 0 for event-driven (default by kind)."},
		}}
}

func floatPtr(f float64) *float64 { return &f }

func ingestProblemSchema() *huma.Schema {
	return &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{
		"type": {Type: "string", Format: "uri"}, "title": {Type: "string"}, "status": {Type: "integer"}, "detail": {Type: "string"},
		"item": {Type: "object", Description: "The first bad item (422, 409).", Properties: map[string]*huma.Schema{
			"index":  {Type: "integer", Description: "0-based position in the batch."},
			"field":  {Type: "string", Description: "stream, time, value, kind, unit or cadence_s; absent when the item as a whole is bad."},
			"reason": {Type: "string"},
		}},
	}}
}
