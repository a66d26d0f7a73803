package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

type contactSheetOutput struct{ Body view.ContactSheet }

type addressInput struct {
	InstallationRef
	Body struct {
		Address string `json:"address"`
	}
}

type addContactInput struct {
	InstallationRef
	Body ContactInput
}

// ContactRef is the {contact} path parameter of an installation (exported: see PatientRef).
type ContactRef struct {
	InstallationRef
	Contact   string `path:"contact" doc:"Contact id (doctors) or the caller's pseudonym of the contact, as the contact sheet gives it."`
	contactID int64  // resolved before the handler runs (refs.go)
}

type updateContactInput struct {
	ContactRef
	Body ContactInput
}

type contactOutput struct{ Body view.ContactView }

func (a *API) registerContactSheet() {
	tags := []string{"contact sheet"}
	base := "/installations/{installation}/contact-sheet"
	register(a, access.ContactSheetRead, huma.Operation{OperationID: "get-contact-sheet", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "Read the home's contact sheet: name, address and contacts, never medical data", Errors: []int{http.StatusNotFound}},
		a.getContactSheet)
	register(a, access.ContactSheetWrite, huma.Operation{OperationID: "update-address", Method: http.MethodPut, Path: base + "/address", Tags: tags,
		Summary: "Correct the home address", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		a.updateAddress)
	register(a, access.ContactSheetWrite, huma.Operation{OperationID: "add-contact", Method: http.MethodPost, Path: base + "/contacts", Tags: tags,
		Summary: "Add a contact", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Metadata: map[string]any{metaLocation: base + "/contacts/{id}"}},
		a.addContact)
	register(a, access.ContactSheetWrite, huma.Operation{OperationID: "update-contact", Method: http.MethodPut, Path: base + "/contacts/{contact}", Tags: tags,
		Summary: "Replace a contact", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		a.updateContact)
	register(a, access.ContactSheetWrite, huma.Operation{OperationID: "delete-contact", Method: http.MethodDelete, Path: base + "/contacts/{contact}", Tags: tags,
		Summary: "Remove a contact", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict}},
		a.deleteContact)
}

// homePatient loads the installation a reference names, for its patient.
func (a *API) homePatient(ctx context.Context, ref InstallationRef) (domain.Installation, error) {
	return a.deps.Study.Installation(ctx, ref.id)
}

func (a *API) contactSheet(ctx context.Context, inst domain.Installation) (*contactSheetOutput, error) {
	p, err := a.deps.Study.Patient(ctx, inst.PatientID)
	if err != nil {
		return nil, err
	}
	return &contactSheetOutput{Body: a.viewer(ctx).ContactSheet(inst, p)}, nil
}

func (a *API) getContactSheet(ctx context.Context, in *InstallationRef) (*contactSheetOutput, error) {
	inst, err := a.homePatient(ctx, *in)
	if err != nil {
		return nil, err
	}
	return a.contactSheet(ctx, inst)
}

func (a *API) updateAddress(ctx context.Context, in *addressInput) (*contactSheetOutput, error) {
	inst, err := a.homePatient(ctx, in.InstallationRef)
	if err != nil {
		return nil, err
	}
	if _, err := a.deps.Study.UpdateAddress(ctx, inst.PatientID, in.Body.Address); err != nil {
		return nil, err
	}
	return a.contactSheet(ctx, inst)
}

func (a *API) addContact(ctx context.Context, in *addContactInput) (*contactOutput, error) {
	inst, err := a.homePatient(ctx, in.InstallationRef)
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Study.AddContact(ctx, inst.PatientID, in.Body.domain())
	if err != nil {
		return nil, err
	}
	return &contactOutput{Body: a.viewer(ctx).Contacts([]domain.Contact{c})[0]}, nil
}

func (a *API) contactTarget(ctx context.Context, ref ContactRef) (domain.Installation, int64, error) {
	inst, err := a.homePatient(ctx, ref.InstallationRef)
	return inst, ref.contactID, err
}

func (a *API) updateContact(ctx context.Context, in *updateContactInput) (*contactOutput, error) {
	inst, id, err := a.contactTarget(ctx, in.ContactRef)
	if err != nil {
		return nil, err
	}
	c := in.Body.domain()
	c.ID = id
	if c, err = a.deps.Study.UpdateContact(ctx, inst.PatientID, c); err != nil {
		return nil, err
	}
	return &contactOutput{Body: a.viewer(ctx).Contacts([]domain.Contact{c})[0]}, nil
}

func (a *API) deleteContact(ctx context.Context, in *ContactRef) (*struct{}, error) {
	inst, id, err := a.contactTarget(ctx, *in)
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Study.DeleteContact(ctx, inst.PatientID, id)
}
