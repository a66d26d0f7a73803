// Package api is Serenade's REST API under /api/v1, built with huma so
// that the OpenAPI 3.1 document is generated from the Go types. Every
// operation names one access.Action; a wrapper asks the access matrix
// before the handler runs, and the handlers stay thin: decode, call the
// study service, project the result onto the caller's view.
package api

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/consult"
	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/page"
	"serenade/internal/password"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/throttle"
	"serenade/internal/view"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// defaultBodyReadTimeout is the body deadline when Deps gives none (the
// server's default).
const defaultBodyReadTimeout = 10 * time.Second

// Deps is everything the API needs, built by the app.
type Deps struct {
	Study    domain.Study
	Accounts domain.Accounts
	// Ingest manages ingest tokens and accepts sensor batches (nil: no
	// sensor routes).
	Ingest Ingester
	// Sensors answers the consultation of sensor data (streams, series,
	// exports); the sensor data routes are always registered.
	Sensors *consult.Service

	// Health reads device health (nil: no health route, and no health
	// in the installation views).
	Health     DeviceHealth
	Auth       *auth.Authenticator
	Issuer     *auth.Issuer // signs local access tokens; nil when login is external (OIDC)
	Pseudonyms *pseudonym.Codec
	// Cursors seal the lists' page cursors; every replica needs the same
	// key (app derives it from the pseudonym key). Nil: a key of this
	// process only.
	Cursors  *page.Cursors
	Audit    audit.Sink // every API request is recorded here before it is answered
	AuditLog AuditLog
	// RequestID and TraceID read the request's ids for the audit trail.
	RequestID, TraceID func(context.Context) string
	Log                *slog.Logger
	// MaxDocumentSize bounds uploads (default 20 MiB).
	MaxDocumentSize int64
	// MaxUploadMemory bounds the bytes that uploads in flight may hold in
	// memory (<= 0: DefaultUploadMemory, four documents).
	MaxUploadMemory int64
	// Demo lets the demo accounts log in.
	Demo bool
	// ClientAddr is the client address of a request for the audit trail
	// and the login throttle (nil: the TCP peer).
	ClientAddr func(*http.Request) string
	// LoginTrust keeps the (username, address) pairs that logged in,
	// shared by every replica (nil: this process's memory only).
	LoginTrust throttle.TrustStore
	// HashSlots bounds concurrent password checks (<= 0: the default of
	// password.NewGate).
	HashSlots int
	// HashSlotWait is how long a login waits for a hashing slot before it
	// is answered 503 (<= 0: hashGateWait, 2s).
	HashSlotWait time.Duration
	// BodyReadTimeout is how long a request body may take to arrive on
	// every route but uploads (<= 0: 10s); later, the answer is 408. The
	// server sets the same deadline for every request before routing.
	BodyReadTimeout time.Duration
	// Version is reported in the OpenAPI document.
	Version string
	Now     func() time.Time
}

// Route is one operation of the API with the action it performs.
type Route struct {
	Method, Path, OperationID string
	Action                    access.Action // "" for public operations (login)
	Resource                  resource.Type // what its audit entries say it is about
}

// API is the REST API.
type API struct {
	deps     Deps
	huma     huma.API
	mux      *http.ServeMux
	routes   []Route
	ops      map[string]*huma.Operation // by ServeMux pattern
	throttle *throttle.Throttle
	hashGate *password.Gate
	uploads  *uploadGate
	rec      *audit.Recorder
	views    view.Viewers
	cursors  *page.Cursors
}

// New builds the API and registers every operation.
func New(d Deps) *API {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.RequestID == nil {
		d.RequestID = func(context.Context) string { return "" }
	}
	if d.TraceID == nil {
		d.TraceID = func(context.Context) string { return "" }
	}
	if d.MaxDocumentSize <= 0 {
		d.MaxDocumentSize = domain.DefaultMaxDocumentSize
	}
	if d.BodyReadTimeout <= 0 {
		d.BodyReadTimeout = defaultBodyReadTimeout
	}
	if d.ClientAddr == nil {
		d.ClientAddr = func(r *http.Request) string { return clientip.Peer(r.RemoteAddr) }
	}
	d.Audit = markingRecorder{d.Audit}
	if d.Cursors == nil {
		k, err := keyring.NewKey()
		if err != nil {
			panic(err) // the OS RNG never fails on Linux ≥3.17
		}
		d.Cursors = page.NewCursors(k, d.Now)
	}
	a := &API{deps: d, mux: http.NewServeMux(), throttle: throttle.New(0, d.Now, d.LoginTrust), hashGate: newHashGate(d.HashSlots, d.HashSlotWait),
		uploads: newUploadGate(d.MaxUploadMemory, d.MaxDocumentSize),
		rec:     audit.NewRecorder(d.Audit, d.Pseudonyms, d.Now), views: view.Viewers{Codec: d.Pseudonyms, Patients: d.Study, Nicknames: view.NewNicknameCache()},
		cursors: d.Cursors}
	a.huma = humago.New(a.mux, a.config())
	a.huma.UseMiddleware(a.authenticate, a.requireMediaType, a.cleanQuery)
	a.registerAuth()
	a.registerPatients()
	a.registerScreening()
	a.registerInstallations()
	a.registerContactSheet()
	a.registerTickets()
	a.registerDocuments()
	a.registerAudit()
	a.registerAuditVerification()
	a.registerAccounts()
	a.registerIngestTokens()
	a.registerSensors()

	a.registerHealth()
	if d.Ingest != nil {
		describeIngest(a.huma.OpenAPI(), d.BodyReadTimeout)
	}
	applyLimits(a.huma.OpenAPI())
	finishDocument(a.huma.OpenAPI())
	a.indexOperations()
	declareNames(a.huma.OpenAPI())
	return a
}

func (a *API) config() huma.Config {
	cfg := huma.DefaultConfig("Serenade API", a.deps.Version)
	cfg.OpenAPIPath = Prefix + "/openapi"
	cfg.DocsPath = "" // served by the docs package, with embedded assets
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Formats = jsonFormats()
	cfg.Transformers = append(cfg.Transformers, problemDetails, sendLocation)
	configureDocument(&cfg)
	cfg.Info.Description = "Serenade: a clinical study of ambient sensors in patients' homes. " +
		"Every operation is authorised by the access matrix; responses carry only the fields the caller's roles may see, " +
		"and roles other than dottore see per-role pseudonyms instead of internal ids. Errors are RFC 9457 problem details. " +
		"Every string in a JSON body is trimmed and put in Unicode NFC before validation, and maxLength counts characters " +
		"(code points) of that form; control characters, bidirectional controls and, in single-line fields, invisible format " +
		"characters are refused (422 naming the field); a body with a duplicate key or invalid UTF-8 is refused (400)."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"oauth2": {
			Type:        "oauth2",
			Description: "Local accounts: OAuth2 password grant at " + Prefix + "/auth/token.",
			Flows:       &huma.OAuthFlows{Password: &huma.OAuthFlow{TokenURL: Prefix + "/auth/token", Scopes: map[string]string{}}},
		},
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT", Description: "An access token from " + Prefix + "/auth/token or from the configured OpenID Connect provider."},
	}
	return cfg
}

// OpenAPI returns the generated OpenAPI document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// Routes lists every operation with its action, for the matrix tests.
func (a *API) Routes() []Route { return append([]Route(nil), a.routes...) }

// register adds an operation that performs action. The authentication
// middleware refuses callers whose roles the matrix does not allow (deny
// by default: an unknown action allows nobody) before the input is read;
// the wrapper asks the matrix again, so a handler never runs unchecked,
// resolves the path's references (refs.go), maps domain errors to
// problems, and writes the audit entry before huma writes the answer.
func register[I, O any](a *API, action access.Action, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	op.Path = Prefix + op.Path
	op.Security = []map[string][]string{{"oauth2": {}}, {"bearer": {}}}
	op.Description += rolesNote(action)
	op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	op.Metadata = maps.Clone(op.Metadata) // never shared between operations
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaAction] = action
	if op.BodyReadTimeout == 0 {
		op.BodyReadTimeout = a.deps.BodyReadTimeout // huma's own default otherwise
	}
	op.Metadata[metaResource] = routeResource(&op, new(I))
	a.routes = append(a.routes, Route{Method: op.Method, Path: op.Path, OperationID: op.OperationID, Action: action, Resource: resourceType(&op)})
	huma.Register(a.huma, op, func(ctx context.Context, in *I) (*O, error) {
		p, ok := domain.PrincipalFrom(ctx)
		ev := eventFrom(ctx)
		if !ok || ev == nil {
			return nil, problemOf(domain.Unauthenticated("authentication required"))
		}
		if !access.Allows(p.Roles, action) {
			return nil, problemOf(domain.Forbidden("your roles do not allow %s", action))
		}
		ctx, cancel, err := a.beginWork(ctx, op.Method)
		defer cancel()
		if err == nil {
			err = a.resolveRefs(ctx, ev, in)
		}
		var out *O
		if err == nil {
			out, err = h(ctx, in)
		}
		if l, ok := any(out).(patientLister); ok && err == nil {
			ev.ConcernsAll(l.listedPatients()...)
		}
		if err != nil {
			err = a.problem(ctx, err)
		}
		// The entry is durable before huma writes anything: fail closed.
		if aerr := a.rec.Record(ctx, ev, statusOf(&op, err)); aerr != nil {
			return nil, errAuditUnavailable()
		}
		return out, err
	})
}

// writeTimeout bounds a write operation's handler once it has begun.
const writeTimeout = time.Minute

// beginWork is the context a handler runs on. A write is carried out to
// its end even if the client goes away meanwhile, so that what it
// committed is answered, audited and followed by what must follow (the
// rotation after a shred) instead of being cut at a random point: its
// context keeps the request's values but not its cancellation, and has
// its own bound. A client already gone before a write begins gets no
// write; the refusal is still recorded (errClientGone). Reads keep the
// request's context: a read nobody waits for is better stopped.
func (a *API) beginWork(ctx context.Context, method string) (context.Context, context.CancelFunc, error) {
	if method == http.MethodGet || method == http.MethodHead {
		return ctx, func() {}, nil
	}
	if ctx.Err() != nil {
		return ctx, func() {}, errClientGone()
	}
	ctx, cancel := detached(ctx, writeTimeout)
	return ctx, cancel, nil
}

func rolesNote(action access.Action) string {
	roles := access.Roles(action)
	s := "\n\nAccess: `" + string(action) + "`, allowed to roles:"
	for _, r := range roles {
		s += " `" + string(r) + "`"
	}
	return s + "."
}
