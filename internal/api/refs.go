package api

import (
	"context"
	"fmt"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

// A path names resources by reference: an id for callers who see ids,
// a pseudonym of one of their roles for the others (view.Viewer.Resolve).
// The operation wrapper resolves an input's references before the
// handler runs, notes each resource on the request's audit event and
// establishes the patient it belongs to while it still exists (a
// deleted document's entry names its patient); handlers read the ids.

// ref is one reference of an input: its kind, as typed, and where its id
// goes once resolved.
type ref struct {
	kind resource.Kind
	text string
	id   *int64
}

// referrer is an input whose path names resources, outermost first.
type referrer interface{ refs() []ref }

func (r *PatientRef) refs() []ref      { return []ref{{resource.Patient, r.Patient, &r.id}} }
func (r *InstallationRef) refs() []ref { return []ref{{resource.Installation, r.Installation, &r.id}} }
func (r *TicketRef) refs() []ref       { return []ref{{resource.Ticket, r.Ticket, &r.id}} }
func (r *documentRef) refs() []ref     { return []ref{{resource.Document, r.Document, &r.id}} }
func (r *ContactRef) refs() []ref {
	return append(r.InstallationRef.refs(), ref{resource.Contact, r.Contact, &r.contactID})
}

// routeResource is the audit resource type of an operation whose input
// is in: the kind of the innermost resource its path names, or the type
// the operation declares (collections, targets that are not entities).
func routeResource(op *huma.Operation, in any) resource.Type {
	if t, ok := op.Metadata[metaResource].(resource.Type); ok {
		return t
	}
	if r, ok := in.(referrer); ok {
		refs := r.refs()
		return refs[len(refs)-1].kind.Type()
	}
	panic(fmt.Sprintf("api: operation %s names no resource type", op.OperationID))
}

// resolveRefs resolves in's references for the caller, noting them on
// ev. A reference that names nothing is a 404, as the handler would
// answer for a resource that does not exist.
func (a *API) resolveRefs(ctx context.Context, ev *audit.Event, in any) error {
	r, ok := in.(referrer)
	if !ok {
		return nil
	}
	p, _ := domain.PrincipalFrom(ctx)
	v := a.views.For(p)
	for _, ref := range r.refs() {
		id, err := v.Resolve(ref.kind, ref.text)
		if err != nil {
			return err
		}
		*ref.id = id
		ev.Resolved(ref.kind, id)
		if err := a.notePatient(ctx, ev, ref.kind, id); err != nil {
			return err
		}
	}
	return nil
}

// notePatient establishes the patient of a resource before the handler
// acts on it. A resource that does not exist has none, and the handler
// answers it with a 404; a lookup that fails otherwise fails the request.
func (a *API) notePatient(ctx context.Context, ev *audit.Event, kind resource.Kind, id int64) error {
	if ev.Patient() != 0 || kind == resource.Patient {
		return nil
	}
	patient, err := a.deps.AuditLog.PatientOf(ctx, kind, id)
	switch {
	case err == nil:
		ev.Concerns(patient)
	case domain.KindOf(err) != domain.KindNotFound:
		return err
	}
	return nil
}
