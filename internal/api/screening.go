package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/view"
)

type screeningOutput struct{ Body view.Screening }

type screeningListOutput struct {
	listed
	Body struct {
		Screening []view.Screening `json:"screening"`
		Next      string           `json:"next,omitempty" doc:"Pass as cursor= for the next page; absent on the last page."`
	}
}

type updateScreeningInput struct {
	PatientRef
	Body struct {
		DiagnosisClass domain.DiagnosisClass `json:"diagnosis_class" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified"`
	}
}

func (a *API) registerScreening() {
	tags := []string{"screening"}
	register(a, access.ScreeningRead, huma.Operation{OperationID: "list-screening", Method: http.MethodGet, Path: "/screening", Tags: tags,
		Summary: "List the pseudonymised screening data of patients still in the study, paged", Errors: []int{http.StatusUnprocessableEntity},
		Description: "Keyset pages (limit, cursor), by nickname then the caller's pseudonym (doctors: by id).",
		Metadata:    map[string]any{metaResource: resource.Screening}}, a.listScreening)
	register(a, access.ScreeningRead, huma.Operation{OperationID: "get-screening", Method: http.MethodGet, Path: "/patients/{patient}/screening", Tags: tags,
		Summary: "Read a patient's screening data", Errors: []int{http.StatusNotFound}}, a.getScreening)
	register(a, access.ScreeningWrite, huma.Operation{OperationID: "update-screening", Method: http.MethodPut, Path: "/patients/{patient}/screening", Tags: tags,
		Summary: "Set a patient's diagnosis class", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		a.updateScreening)
}

func (a *API) screening(ctx context.Context, p domain.Patient) view.Screening {
	return a.viewer(ctx).Screening(p, a.deps.Now())
}

// livePatient reads a patient still in the study; a withdrawn one has no
// screening data left.
func (a *API) livePatient(ctx context.Context, ref PatientRef) (domain.Patient, error) {
	p, err := a.deps.Study.Patient(ctx, ref.id)
	if err == nil && p.Withdrawn() {
		err = domain.NotFound("no such patient")
	}
	return p, err
}

func (a *API) getScreening(ctx context.Context, in *PatientRef) (*screeningOutput, error) {
	p, err := a.livePatient(ctx, *in)
	if err != nil {
		return nil, err
	}
	return &screeningOutput{Body: a.screening(ctx, p)}, nil
}

func (a *API) updateScreening(ctx context.Context, in *updateScreeningInput) (*screeningOutput, error) {
	p, err := a.livePatient(ctx, in.PatientRef)
	if err != nil {
		return nil, err
	}
	id := p.Identity
	id.DiagnosisClass = in.Body.DiagnosisClass
	if p, err = a.deps.Study.UpdateIdentity(ctx, p.ID, id); err != nil {
		return nil, err
	}
	return &screeningOutput{Body: a.screening(ctx, p)}, nil
}
