package audit

import (
	"context"
	"time"

	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
)

// Sink stores entries durably: the Writer, or what wraps it.
type Sink interface {
	Record(ctx context.Context, e Entry) error
}

// Recorder turns what an actor did into entries of the trail. Every
// entry point records through it: the REST API now, the web UI, sensor
// ingestion and background workers later. It names resources and
// patients by their server-side audit pseudonyms, never by ids or by the
// caller's references.
type Recorder struct {
	sink  Sink
	codec *pseudonym.Codec
	now   func() time.Time
}

// NewRecorder records into sink; now stamps events (nil: time.Now).
func NewRecorder(sink Sink, codec *pseudonym.Codec, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{sink: sink, codec: codec, now: now}
}

// System is the principal of what Serenade does by itself, not on a
// user's request: a worker opening a ticket for a silent kit, partition
// upkeep. Its subject cannot be a user's (local subjects start with
// "local:", providers' subjects are recorded as they sign them, with the
// issuer checked) and its username cannot be a username (they start
// with a letter or digit); it holds no role, so the access matrix grants
// it nothing over HTTP.
var System = domain.Principal{Subject: "serenade:system", Username: "(system)"}

// Event is one audited action while it is being served: who did what to
// which resource type when it began, then the resource and patient as
// the serving code learns them. Fill the request fields (RequestID,
// TraceID, ClientAddr) through Entry.
type Event struct {
	Entry    Entry
	given    bool // a reference to a resource was given
	resolved bool // it named a resource
	kind     resource.Kind
	id       int64
	patient  int64
	listed   []int64 // the patients a list read returned
}

// Begin starts the event of actor performing action (an access-matrix
// action) through operation, on a resource of type typ.
func (r *Recorder) Begin(actor domain.Principal, action, operation string, typ resource.Type) *Event {
	return &Event{Entry: Entry{Time: r.now(), ActorSubject: actor.Subject, ActorUsername: actor.Username,
		Roles: RoleNames(actor.Roles), Action: action, Operation: operation, ResourceType: string(typ)}}
}

// Referenced notes that the action was given a reference to a resource,
// whether or not it names one: a reference that names nothing is
// recorded as unresolved, never as typed.
func (e *Event) Referenced() { e.given = true }

// Resolved notes the resource the action is on, as found. When a path
// names several (a contact under an installation), the last one noted
// is the resource; the patient noted first stays, being the same.
func (e *Event) Resolved(kind resource.Kind, id int64) {
	e.given, e.resolved, e.kind, e.id = true, true, kind, id
	if kind == resource.Patient {
		e.Concerns(id)
	}
}

// Concerns notes the patient the resource belongs to, as loaded by the
// caller before acting (so that a deletion still names its patient). The
// first patient noted stays.
func (e *Event) Concerns(patientID int64) {
	if e.patient == 0 {
		e.patient = patientID
	}
}

// ConcernsAll notes the patients whose rows a list read returned: the
// one entry of the request names them all (Entry.Patients), so that it
// appears in each one's access history. Calls add up.
func (e *Event) ConcernsAll(patientIDs ...int64) {
	e.listed = append(e.listed, patientIDs...)
}

// Patient is the patient noted so far, or 0.
func (e *Event) Patient() int64 { return e.patient }

// UnresolvedRef stands in the trail for a reference that named nothing.
const UnresolvedRef = "unresolved"

// RecordBound bounds the work of recording one event (the writer's
// wait), which no longer depends on whoever asked for the action.
const RecordBound = 15 * time.Second

// Record completes the event with the status it was answered with and
// writes it. It must succeed before the answer is sent (fail closed), and
// it is written whether or not the caller is still there: a committed
// write is never left unaudited.
func (r *Recorder) Record(ctx context.Context, e *Event, status int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordBound)
	defer cancel()
	entry := e.Entry
	entry.Status, entry.Outcome = status, OutcomeOf(status)
	entry.ResourceRef, entry.ResourceAudit = r.resource(e, status)
	if entry.ResourceAudit != "" && e.patient != 0 {
		entry.Patient = r.PatientRef(e.patient)
	}
	entry.Patients = r.patientRefs(e.listed)
	return r.sink.Record(ctx, entry)
}

// Write records an entry built whole by the caller (a login, a request
// refused before it named anything).
func (r *Recorder) Write(ctx context.Context, e Entry) error { return r.sink.Record(ctx, e) }

// resource is how the entry names the resource: its server-side audit
// pseudonym, the same whichever role's reference reached it, so the
// trail maps no caller's pseudonym or id to another's. A reference that
// named nothing (not decodable, or not found: a 404) is not kept at all,
// only that one was given: it may be anything a user pasted into the
// path, a codice fiscale included, and the trail is append-only.
func (r *Recorder) resource(e *Event, status int) (ref, pseudo string) {
	switch {
	case e.resolved && status != statusNotFound:
		pseudo = r.codec.Encode(pseudonym.AuditRole, e.kind, e.id)
		return pseudo, pseudo
	case e.given:
		return UnresolvedRef, ""
	}
	return "", ""
}

// PatientRef is the server-side audit pseudonym of a patient: what the
// trail's Patient field and Filter.Patient hold.
func (r *Recorder) PatientRef(patientID int64) string {
	return r.codec.Encode(pseudonym.AuditRole, resource.Patient, patientID)
}

// patientRefs is the audit pseudonyms of a list's patients, sorted
// and without repeats (nil for none).
func (r *Recorder) patientRefs(ids []int64) []string {
	if len(ids) == 0 {
		return nil
	}
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = r.PatientRef(id)
	}
	return NormalPatients(refs)
}

// The HTTP statuses (RFC 9110, RFC 6585) the trail tells apart, spelled
// here so that the audit package, which the store imports, stays free of
// net/http.
const (
	statusUnauthorized    = 401
	statusForbidden       = 403
	statusNotFound        = 404
	statusTooManyRequests = 429
)

// OutcomeOf classifies a status for the trail.
func OutcomeOf(status int) string {
	switch {
	case status < 400:
		return OutcomeOK
	case status == statusUnauthorized, status == statusForbidden, status == statusNotFound, status == statusTooManyRequests:
		return OutcomeDenied
	}
	return OutcomeFailed
}

// RoleNames is how the trail lists roles.
func RoleNames(rs []domain.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
