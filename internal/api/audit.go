package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
)

// Recorder writes audit entries durably (audit.Writer).
type Recorder interface {
	Record(ctx context.Context, e audit.Entry) error
}

// AuditLog is the stored trail: queries, and the owner of a resource.
type AuditLog interface {
	QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	PatientOf(ctx context.Context, kind string, id int64) (int64, error)
}

// auditNote gathers one request's audit entry as it is served: the
// middleware fills who and what, the viewer notes which resource the
// reference resolved to, and the operation wrapper records it — before
// the response is written.
type auditNote struct {
	entry    audit.Entry
	given    bool           // the path named a resource
	kind     pseudonym.Kind // resolved resource, if any
	id       int64
	resolved bool
	patient  int64 // its patient, when a handler loaded it (saves a lookup)
}

type auditNoteKey struct{}

func noteFrom(ctx context.Context) *auditNote {
	n, _ := ctx.Value(auditNoteKey{}).(*auditNote)
	return n
}

// noteResource remembers the resource a reference resolved to. Handlers
// resolve a path's references in order, so the last one noted is the
// resource the path names (a contact, not the installation it is under);
// the patient noted on the way stays, being the same.
func noteResource(ctx context.Context, kind pseudonym.Kind, id int64) {
	if n := noteFrom(ctx); n != nil {
		n.kind, n.id, n.resolved = kind, id, true
		if kind == pseudonym.Patient {
			n.patient = id
		}
	}
}

// notePatient remembers the patient of the resolved resource, which the
// handler learnt by loading it.
func notePatient(ctx context.Context, patientID int64) {
	if n := noteFrom(ctx); n != nil && n.resolved && n.patient == 0 {
		n.patient = patientID
	}
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// newNote starts the entry of an API request.
func (a *API) newNote(ctx huma.Context, p domain.Principal) *auditNote {
	op := ctx.Operation()
	action, _ := op.Metadata[metaAction].(access.Action)
	e := audit.Entry{
		Time: a.deps.Now(), ActorSubject: p.Subject, ActorUsername: p.Username, Roles: roleNames(p.Roles),
		Action: string(action), Operation: operationName(ctx.Method(), op), ResourceType: resourceType(op),
		RequestID: a.deps.RequestID(ctx.Context()), TraceID: a.deps.TraceID(ctx.Context()), ClientAddr: clientAddr(ctx.Context()),
	}
	// The reference as typed is never kept: it is another role's
	// pseudonym, an internal id, or whatever was pasted into the path.
	given := false
	if m := pathParam.FindAllStringSubmatch(op.Path, -1); len(m) > 0 {
		given = ctx.Param(m[len(m)-1][1]) != ""
	}
	n := &auditNote{entry: e, given: given}
	if ex := exchangeFrom(ctx.Context()); ex != nil {
		ex.note = n // a refusal after this point is recorded from the note
	}
	return n
}

// resourceType is the kind of the last path parameter, or the first
// segment after the prefix for collections (e.g. "patients").
func resourceType(op *huma.Operation) string {
	if m := pathParam.FindAllStringSubmatch(op.Path, -1); len(m) > 0 {
		return m[len(m)-1][1]
	}
	if len(op.Tags) > 0 {
		return op.Tags[0]
	}
	return ""
}

func roleNames(rs []domain.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// outcome classifies a status for the trail.
func outcome(status int) string {
	switch {
	case status < 400:
		return audit.OutcomeOK
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusNotFound, status == http.StatusTooManyRequests:
		return audit.OutcomeDenied
	}
	return audit.OutcomeFailed
}

// errAuditUnavailable refuses a request whose entry could not be written.
func errAuditUnavailable() huma.StatusError {
	return huma.NewError(http.StatusServiceUnavailable, "the audit trail cannot be written: request refused")
}

// unresolvedRef stands in the trail for a reference that named nothing.
const unresolvedRef = "unresolved"

// auditTimeout bounds the work of recording one request (the patient
// lookup and the writer's wait), which no longer depends on the client.
const auditTimeout = 15 * time.Second

// detached is ctx without its cancellation (the client's disconnect) but
// with its values, bounded by its own timeout: work that must complete
// once a write committed (its audit entry, the rotation after a shred)
// runs on it.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// record completes and writes a request's entry. It must succeed before
// anything is sent (fail closed), and it is written whether or not the
// client is still there: a committed write is never left unaudited.
func (a *API) record(ctx context.Context, n *auditNote, status int) error {
	ctx, cancel := detached(ctx, auditTimeout)
	defer cancel()
	n.entry.Status, n.entry.Outcome = status, outcome(status)
	n.entry.ResourceRef, n.entry.ResourceAudit = a.auditResource(n, status)
	if n.entry.ResourceAudit != "" {
		n.entry.Patient = a.auditPatient(ctx, n)
	}
	return a.deps.Audit.Record(ctx, n.entry)
}

// auditResource is how the entry names the resource: its server-side
// audit pseudonym, the same whichever role's reference reached it, so
// the trail maps no caller's pseudonym or id to another's. A reference
// that named nothing (not decodable, or not found: a 404) is not kept
// at all, only that one was given: it may be anything a user pasted
// into the path, a codice fiscale included, and the trail is
// append-only.
func (a *API) auditResource(n *auditNote, status int) (ref, pseudo string) {
	switch {
	case n.resolved && status != http.StatusNotFound:
		pseudo = a.deps.Pseudonyms.Encode(pseudonym.AuditRole, n.kind, n.id)
		return pseudo, pseudo
	case n.given || n.resolved:
		return unresolvedRef, ""
	}
	return "", ""
}

// auditPatient is the server-side pseudonym of the patient the resolved
// resource belongs to: as the handler noted it, or looked up (a refusal
// after the reference resolved, a deleted document); "" when it cannot
// be told.
func (a *API) auditPatient(ctx context.Context, n *auditNote) string {
	patient := n.patient
	if patient == 0 {
		var err error
		if patient, err = a.deps.AuditLog.PatientOf(ctx, kindName(n.kind), n.id); err != nil {
			return ""
		}
	}
	return a.auditPseudonym(patient)
}

func (a *API) auditPseudonym(patientID int64) string {
	return a.deps.Pseudonyms.Encode(pseudonym.AuditRole, pseudonym.Patient, patientID)
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
	Outcome      string    `json:"outcome" enum:"ok,denied,failed"`
	Status       int       `json:"status"`
	RequestID    string    `json:"request_id,omitempty"`
	TraceID      string    `json:"trace_id,omitempty"`
	ClientAddr   string    `json:"client_addr,omitempty"`
}

type auditQuery struct {
	Actor   string    `query:"actor" doc:"Username."`
	Patient string    `query:"patient" doc:"Audit pseudonym of a patient."`
	Action  string    `query:"action"`
	Outcome string    `query:"outcome" enum:"ok,denied,failed,"`
	From    time.Time `query:"from" doc:"Entries at or after (RFC 3339)."`
	To      time.Time `query:"to" doc:"Entries before (RFC 3339)."`
	After   int64     `query:"after" doc:"Keyset cursor: the next value of the previous page."`
	Limit   int       `query:"limit" default:"100"`
}

type historyInput struct {
	PatientRef
	After int64 `query:"after"`
	Limit int   `query:"limit" default:"100"`
}

type auditPage struct {
	Body struct {
		Entries []AuditEntry `json:"entries"`
		Next    int64        `json:"next,omitempty" doc:"Pass as after= for the next page; absent on the last page."`
	}
}

func (a *API) registerAudit() {
	register(a, access.AuditRead, huma.Operation{OperationID: "query-audit", Method: http.MethodGet, Path: "/audit", Tags: []string{"audit"},
		Summary: "Query the audit trail", Description: "Filters combine; pages follow the chain order (keyset pagination on seq)."},
		func(ctx context.Context, in *auditQuery) (*auditPage, error) {
			return a.auditPage(ctx, audit.Filter{Actor: in.Actor, Patient: in.Patient, Action: in.Action, Outcome: in.Outcome,
				From: in.From, To: in.To, After: in.After, Limit: in.Limit})
		})
	register(a, access.PatientAccessHistory, huma.Operation{OperationID: "get-access-history", Method: http.MethodGet,
		Path: "/patients/{patient}/access-history", Tags: []string{"audit"},
		Summary: "Who accessed a patient's data, and when", Errors: []int{http.StatusNotFound}},
		func(ctx context.Context, in *historyInput) (*auditPage, error) {
			id, err := a.patientID(ctx, in.PatientRef)
			if err != nil {
				return nil, err
			}
			if _, err := a.deps.Study.Patient(ctx, id); err != nil {
				return nil, err
			}
			return a.auditPage(ctx, audit.Filter{Patient: a.auditPseudonym(id), After: in.After, Limit: in.Limit})
		})
}

func (a *API) auditPage(ctx context.Context, f audit.Filter) (*auditPage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	entries, err := a.deps.AuditLog.QueryAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &auditPage{}
	out.Body.Entries = make([]AuditEntry, len(entries))
	for i, e := range entries {
		method, route := a.routeOf(e.Operation)
		out.Body.Entries[i] = AuditEntry{Seq: e.Seq, Time: e.Time, Actor: e.ActorUsername, ActorSubject: e.ActorSubject, Roles: e.Roles,
			Action: e.Action, Operation: e.Operation, Method: method, Route: route, ResourceType: e.ResourceType, Resource: e.ResourceRef, ResourceID: e.ResourceAudit, Patient: e.Patient,
			Outcome: e.Outcome, Status: e.Status, RequestID: e.RequestID, TraceID: e.TraceID, ClientAddr: e.ClientAddr}
	}
	if len(entries) == f.Limit {
		out.Body.Next = entries[len(entries)-1].Seq
	}
	return out, nil
}
