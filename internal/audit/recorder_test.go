package audit_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
)

// memSink keeps what it is given, in order, and fails when told to.
type memSink struct {
	entries []audit.Entry
	ctxErr  []error
	fail    error
}

func (m *memSink) Record(ctx context.Context, e audit.Entry) error {
	m.ctxErr = append(m.ctxErr, ctx.Err())
	if m.fail != nil {
		return m.fail
	}
	m.entries = append(m.entries, e)
	return nil
}

func recorder(t *testing.T) (*audit.Recorder, *memSink, *pseudonym.Codec) {
	t.Helper()
	k, err := keyring.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	codec := pseudonym.New(k)
	sink := &memSink{}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	return audit.NewRecorder(sink, codec, func() time.Time { return at }), sink, codec
}

// TestSystemActionsAreRecordedWithTheSystemPrincipal: a worker opening
// a ticket is recorded as the system, with the installation and its
// patient as audit pseudonyms, and the system principal can be mistaken
// for no user: its subject is no local or provider subject, its name no
// username, and it holds no role, so the matrix grants it nothing.
func TestSystemActionsAreRecordedWithTheSystemPrincipal(t *testing.T) {
	rec, sink, codec := recorder(t)
	ev := rec.Begin(audit.System, string(access.TicketOpen), "silence-watch", resource.Installation.Type())
	ev.Resolved(resource.Installation, 7)
	ev.Concerns(3)
	if err := rec.Record(context.Background(), ev, http.StatusCreated); err != nil {
		t.Fatal(err)
	}
	e := sink.entries[0]
	want := audit.Entry{Time: e.Time, ActorSubject: "serenade:system", ActorUsername: "(system)", Roles: []string{},
		Action: "ticket.open", Operation: "silence-watch", ResourceType: "installation",
		ResourceRef:   codec.Encode(pseudonym.AuditRole, resource.Installation, 7),
		ResourceAudit: codec.Encode(pseudonym.AuditRole, resource.Installation, 7),
		Patient:       codec.Encode(pseudonym.AuditRole, resource.Patient, 3), Outcome: audit.OutcomeOK, Status: http.StatusCreated}
	if string(e.Canonical()) != string(want.Canonical()) {
		t.Errorf("entry %+v\nwant  %+v", e, want)
	}
	if strings.HasPrefix(audit.System.Subject, auth.LocalSubjectPrefix) || domain.IsCanonicalUsername(audit.System.Username) {
		t.Errorf("the system principal %+v looks like a user", audit.System)
	}
	if len(audit.System.Roles) != 0 || access.Allows(audit.System.Roles, access.TicketOpen) {
		// no role: the matrix, deny by default, grants it nothing
		t.Errorf("the system principal has roles %v, want none", audit.System.Roles)
	}
}

// TestEventsNameResourcesOnlyWhenFound walks the ways a reference ends.
func TestEventsNameResourcesOnlyWhenFound(t *testing.T) {
	rec, sink, codec := recorder(t)
	actor := domain.Principal{Subject: "local:iit-gennaro", Username: "iit-gennaro", Roles: []domain.Role{domain.RoleInstaller}}
	docRef := codec.Encode(pseudonym.AuditRole, resource.Document, 9)
	patientRef := codec.Encode(pseudonym.AuditRole, resource.Patient, 4)
	cases := []struct {
		name                   string
		act                    func(*audit.Event)
		status                 int
		ref, resAudit, patient string
	}{
		{"a collection names nothing", func(*audit.Event) {}, 200, "", "", ""},
		{"a reference that named nothing is unresolved", func(e *audit.Event) { e.Referenced() }, 404, "unresolved", "", ""},
		{"a found resource that answered 404 is unresolved", func(e *audit.Event) { e.Resolved(resource.Document, 9); e.Concerns(4) }, 404, "unresolved", "", ""},
		{"a deleted document names its patient", func(e *audit.Event) { e.Resolved(resource.Document, 9); e.Concerns(4) }, 204, docRef, docRef, patientRef},
		{"a refusal after resolution names both", func(e *audit.Event) { e.Resolved(resource.Document, 9); e.Concerns(4) }, 409, docRef, docRef, patientRef},
		{"the first patient noted stays", func(e *audit.Event) { e.Resolved(resource.Patient, 4); e.Resolved(resource.Document, 9); e.Concerns(5) }, 200, docRef, docRef, patientRef},
		{"a resource whose patient is unknown names none", func(e *audit.Event) { e.Resolved(resource.Document, 9) }, 200, docRef, docRef, ""},
	}
	for _, c := range cases {
		ev := rec.Begin(actor, "document.delete", "delete-document", resource.Document.Type())
		c.act(ev)
		if err := rec.Record(context.Background(), ev, c.status); err != nil {
			t.Fatal(err)
		}
		e := sink.entries[len(sink.entries)-1]
		if e.ResourceRef != c.ref || e.ResourceAudit != c.resAudit || e.Patient != c.patient || e.Status != c.status || e.Outcome != audit.OutcomeOf(c.status) {
			t.Errorf("%s: %+v", c.name, e)
		}
		if !slices.Equal(e.Roles, []string{"iit"}) || e.ActorUsername != "iit-gennaro" {
			t.Errorf("%s: actor %q %v", c.name, e.ActorUsername, e.Roles)
		}
	}
}

// TestRecordOutlivesTheCallerAndFailsClosed: an event is written on a
// context that is no longer cancelled by the caller's, and a sink that
// cannot write fails the record.
func TestRecordOutlivesTheCallerAndFailsClosed(t *testing.T) {
	rec, sink, _ := recorder(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rec.Record(ctx, rec.Begin(audit.System, "x", "y", resource.Trail), 200); err != nil || sink.ctxErr[0] != nil {
		t.Errorf("record after the caller left: %v, sink's context %v", err, sink.ctxErr[0])
	}
	sink.fail = errors.New("disk full")
	if err := rec.Record(context.Background(), rec.Begin(audit.System, "x", "y", resource.Trail), 200); err == nil {
		t.Error("a failed write was not reported")
	}
}

func TestOutcomesOfStatuses(t *testing.T) {
	for status, want := range map[int]string{200: "ok", 201: "ok", 204: "ok", 304: "ok", 401: "denied", 403: "denied", 404: "denied",
		429: "denied", 400: "failed", 409: "failed", 413: "failed", 422: "failed", 500: "failed", 503: "failed"} {
		if got := audit.OutcomeOf(status); got != want {
			t.Errorf("%d: %s, want %s", status, got, want)
		}
	}
}

// TestAListReadNamesEachPatientOnce: a list read is one entry whose
// patients are the audit pseudonyms of every patient it returned, each
// once, in sorted order; the single-patient field stays empty.
func TestAListReadNamesEachPatientOnce(t *testing.T) {
	rec, sink, codec := recorder(t)
	doctor := domain.Principal{Subject: "local:dottore-rossi", Username: "dottore-rossi", Roles: []domain.Role{"dottore"}}
	ev := rec.Begin(doctor, string(access.PatientList), "list-patients", resource.Patient.Collection())
	ev.ConcernsAll(9, 4, 17)
	ev.ConcernsAll(4) // an installation list may name a patient twice
	if err := rec.Record(context.Background(), ev, http.StatusOK); err != nil {
		t.Fatal(err)
	}
	e := sink.entries[0]
	var want []string
	for _, id := range []int64{9, 4, 17} {
		want = append(want, codec.Encode(pseudonym.AuditRole, resource.Patient, id))
	}
	slices.Sort(want)
	if !slices.Equal(e.Patients, want) || e.Patient != "" {
		t.Errorf("patients %v, patient %q; want %v and none", e.Patients, e.Patient, want)
	}
}
