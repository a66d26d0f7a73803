package api

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/resource"
)

// AuditLog is the stored trail's queries, and the owner of a resource.
type AuditLog interface {
	QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	// PatientOf is the patient a resource of kind belongs to
	// (resource.Kind.Lineage).
	PatientOf(ctx context.Context, kind resource.Kind, id int64) (int64, error)
	AuditVerifier
}

type auditEventKey struct{}

// eventFrom is the request's audit event, which the authentication
// middleware started: only the operation wrapper reads it, and hands
// it on explicitly.
func eventFrom(ctx context.Context) *audit.Event {
	ev, _ := ctx.Value(auditEventKey{}).(*audit.Event)
	return ev
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// newEvent starts the audit event of an API request.
func (a *API) newEvent(ctx huma.Context, p domain.Principal) *audit.Event {
	op := ctx.Operation()
	action, _ := op.Metadata[metaAction].(access.Action)
	ev := a.rec.Begin(p, string(action), operationName(ctx.Method(), op), resourceType(op))
	ev.Entry.RequestID, ev.Entry.TraceID, ev.Entry.ClientAddr = a.deps.RequestID(ctx.Context()), a.deps.TraceID(ctx.Context()), clientAddr(ctx.Context())
	// The reference as typed is never kept: it is another role's
	// pseudonym, an internal id, or whatever was pasted into the path.
	if m := pathParam.FindAllStringSubmatch(op.Path, -1); len(m) > 0 && ctx.Param(m[len(m)-1][1]) != "" {
		ev.Referenced()
	}
	if ex := exchangeFrom(ctx.Context()); ex != nil {
		ex.event = ev // a refusal after this point is recorded from the event
	}
	return ev
}

// patientLister is an output of a list read whose rows bear patients:
// its one audit entry names them all, so the read appears in each
// patient's access history (audit.Event.ConcernsAll). Every list of
// patient-bearing rows across patients implements it.
type patientLister interface {
	listedPatients() []int64
}

// listed is embedded in such outputs: the ids of the patients whose
// rows the answer carries (never serialised).
type listed struct{ patients []int64 }

func (l *listed) listedPatients() []int64 { return l.patients }

// metaResource carries an operation's audit resource type.
const metaResource = "resource"

// resourceType is the audit resource type the operation was registered
// with (routeResource).
func resourceType(op *huma.Operation) resource.Type {
	t, _ := op.Metadata[metaResource].(resource.Type)
	return t
}

// errAuditUnavailable refuses a request whose entry could not be written.
func errAuditUnavailable() huma.StatusError {
	return huma.NewError(http.StatusServiceUnavailable, "the audit trail cannot be written: request refused")
}

// detached is ctx without its cancellation (the client's disconnect) but
// with its values, bounded by its own timeout: work that must complete
// once a write committed (its audit entry, the rotation after a shred)
// runs on it.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// statusOf is the status a handler's result will be answered with.
func statusOf(op *huma.Operation, err error) int {
	if err != nil {
		if se, ok := err.(huma.StatusError); ok {
			return se.GetStatus()
		}
		return http.StatusInternalServerError
	}
	if op.DefaultStatus != 0 {
		return op.DefaultStatus
	}
	return http.StatusOK
}

// routeOf is the method and route template an entry's operation names:
// an operation id, or (for requests that matched no operation) "METHOD
// route" as recorded.
func (a *API) routeOf(operation string) (method, route string) {
	for _, r := range a.routes {
		if r.OperationID == operation {
			return r.Method, r.Path
		}
	}
	method, route, _ = strings.Cut(operation, " ")
	return method, route
}

// AuditEntry is one entry of the trail as admins and doctors see it.
type AuditEntry struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Actor        string    `json:"actor"`
	ActorSubject string    `json:"actor_subject"`
	Roles        []string  `json:"roles"`
	Action       string    `json:"action"`
	Operation    string    `json:"operation" doc:"The operation id; for a request that matched no operation, its method and route."`
	Method       string    `json:"method"`
	Route        string    `json:"route" doc:"The route template (never the path as sent), or unmatched."`
	ResourceType string    `json:"resource_type"`
	Resource     string    `json:"resource" doc:"The resource as a server-side audit pseudonym (whichever reference the caller used); \"unresolved\" when the reference named nothing; empty for collections."`
	ResourceID   string    `json:"resource_audit,omitempty" doc:"The resource as a server-side audit pseudonym."`
	Patient      string    `json:"patient,omitempty" doc:"Server-side audit pseudonym of the patient concerned."`
	Listed       int       `json:"patients_listed,omitempty" doc:"For a list read (patients, screening, installations): how many patients' rows it returned; the entry is in each one's access history."`
	Outcome      string    `json:"outcome" enum:"ok,denied,failed"`
	Status       int       `json:"status"`
	RequestID    string    `json:"request_id,omitempty"`
	TraceID      string    `json:"trace_id,omitempty"`
	ClientAddr   string    `json:"client_addr,omitempty"`
}

type auditQuery struct {
	Actor   string    `query:"actor" doc:"Username."`
	Patient string    `query:"patient" doc:"Audit pseudonym of a patient."`
	Action  string    `query:"action" doc:"An action of the access matrix (e.g. patient.read), or auth.login."`
	Outcome string    `query:"outcome" enum:"ok,denied,failed," doc:"ok (answered below 400), denied (refused: 401, 403, 404, 429) or failed (any other refusal or error)."`
	From    time.Time `query:"from" doc:"Entries at or after (RFC 3339)."`
	To      time.Time `query:"to" doc:"Entries before (RFC 3339)."`
	Since   int64     `query:"since" doc:"Only entries after this seq (to follow the trail on from an entry already read)."`
	PageQuery
}

// Resolve refuses a range that holds no instant (to not after from): it
// would answer an empty trail, which reads as "nobody did anything".
func (q *auditQuery) Resolve(huma.Context) []error {
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return []error{&huma.ErrorDetail{Location: "query.to", Message: "must be after from", Value: q.To}}
	}
	return nil
}

type historyInput struct {
	PatientRef
	PageQuery
}

type auditPage struct {
	Body struct {
		Entries []AuditEntry `json:"entries"`
		Next    string       `json:"next,omitempty" doc:"Pass as cursor= for the next page, with the same filters; absent on the last page."`
	}
}

func (a *API) registerAudit() {
	register(a, access.AuditRead, huma.Operation{OperationID: "query-audit", Method: http.MethodGet, Path: "/audit", Tags: []string{"audit"},
		Summary: "Query the audit trail", Description: "Filters combine; pages follow the chain order (keyset pagination on seq, with the lists' sealed cursors).",
		Errors: []int{http.StatusUnprocessableEntity}, Metadata: map[string]any{metaResource: resource.Trail}},
		func(ctx context.Context, in *auditQuery) (*auditPage, error) {
			f := audit.Filter{Actor: in.Actor, Patient: in.Patient, Action: in.Action, Outcome: in.Outcome, From: in.From, To: in.To, After: in.Since}
			pos := page.Position{List: "audit", Filter: filterKey(in.Actor, in.Patient, in.Action, in.Outcome,
				in.From.UTC().Format(time.RFC3339Nano), in.To.UTC().Format(time.RFC3339Nano), strconv.FormatInt(in.Since, 10))}
			return a.auditPage(ctx, pos, in.PageQuery, f)
		})
	register(a, access.PatientAccessHistory, huma.Operation{OperationID: "get-access-history", Method: http.MethodGet,
		Path: "/patients/{patient}/access-history", Tags: []string{"audit"},
		Summary: "Who accessed a patient's data, and when", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
		func(ctx context.Context, in *historyInput) (*auditPage, error) {
			id := in.PatientRef.id
			if _, err := a.deps.Study.Patient(ctx, id); err != nil {
				return nil, err
			}
			pos := page.Position{List: "access-history", Filter: strconv.FormatInt(id, 10)}
			return a.auditPage(ctx, pos, in.PageQuery, audit.Filter{Patient: a.rec.PatientRef(id)})
		})
}

// auditPage is one page of the entries f keeps, in chain order, after
// the caller's cursor (which carries the last seq read) for pos.
func (a *API) auditPage(ctx context.Context, pos page.Position, q PageQuery, f audit.Filter) (*auditPage, error) {
	entries, next, err := sqlPage(a, ctx, pos, q, func(after page.Key, limit int) ([]audit.Entry, error) {
		if len(after) == 1 {
			seq, err := strconv.ParseInt(after[0], 10, 64)
			if err != nil {
				return nil, page.ErrCursor
			}
			f.After = max(f.After, seq)
		}
		f.Limit = limit
		return a.deps.AuditLog.QueryAudit(ctx, f)
	}, func(e audit.Entry) page.Key { return page.Key{page.Int(e.Seq)} })
	if err != nil {
		return nil, err
	}
	out := &auditPage{}
	out.Body.Entries, out.Body.Next = make([]AuditEntry, len(entries)), next
	for i, e := range entries {
		method, route := a.routeOf(e.Operation)
		out.Body.Entries[i] = AuditEntry{Seq: e.Seq, Time: e.Time, Actor: e.ActorUsername, ActorSubject: e.ActorSubject, Roles: e.Roles,
			Action: e.Action, Operation: e.Operation, Method: method, Route: route, ResourceType: e.ResourceType, Resource: e.ResourceRef, ResourceID: e.ResourceAudit, Patient: e.Patient, Listed: e.Listed,
			Outcome: e.Outcome, Status: e.Status, RequestID: e.RequestID, TraceID: e.TraceID, ClientAddr: e.ClientAddr}
	}
	return out, nil
}
