package api

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// screeningListInput is the screening list: diagnosis-class and patient
// filters and paging; the order is the default one (nickname, or id for
// doctors).
type screeningListInput struct {
	DiagnosisClass domain.DiagnosisClass `query:"diagnosis_class" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified," doc:"Only patients of this diagnosis class."`
	Patients       []string              `query:"patient,explode" nullable:"false" doc:"Only these patients (repeat the parameter, up to 500 times): the caller's references, pseudonyms or, for doctors, ids, as in paths. A reference that names no patient the caller can see is simply not in the answer."`
	PageQuery
	// filtered says a patient filter was given (even one that names no
	// patient: then the list is empty, never the whole study).
	filtered bool
}

// Resolve reads the patient filter from the query itself: huma takes a
// first empty value for an absent parameter, which would widen the list
// to every patient, so no value may be empty. (The schema bounds the
// values' count and length: domain.Limits.)
func (in *screeningListInput) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	vs, given := u.Query()["patient"]
	if !given {
		return nil
	}
	if slices.Contains(vs, "") {
		return []error{&huma.ErrorDetail{Location: "query.patient", Message: "may not be empty"}}
	}
	in.Patients, in.filtered = vs, true
	return nil
}

// askedPatients is the ids of the patients the filter names that the
// caller can name (view.Viewer.Resolve), without repeats, in id order;
// nil without a filter. Unknown and foreign references are left out, as
// a list leaves out what the caller may not see.
func (in *screeningListInput) askedPatients(v view.Viewer) []int64 {
	if !in.filtered {
		return nil
	}
	ids := make([]int64, 0, len(in.Patients))
	for _, ref := range in.Patients {
		if id, err := v.Resolve(resource.Patient, ref); err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (a *API) listScreening(ctx context.Context, in *screeningListInput) (*screeningListOutput, error) {
	if len(in.Patients) > domain.ListPatientsMax { // the schema refuses it first
		return nil, queryInvalid("patient", fmt.Sprintf("names more than %d patients", domain.ListPatientsMax))
	}
	v := a.viewer(ctx)
	asked := in.askedPatients(v)
	filter := []string{string(in.DiagnosisClass)}
	if in.filtered {
		filter = append(filter, "patients")
		for _, id := range asked {
			filter = append(filter, strconv.FormatInt(id, 10))
		}
	}
	pos := page.Position{List: "screening", Filter: filterKey(filter...)}
	rows, next, err := a.entryPage(ctx, v, pos, in.PageQuery, domain.ListFilter{DiagnosisClass: in.DiagnosisClass, Active: true, Patients: asked})
	if err != nil {
		return nil, err
	}
	p, _ := domain.PrincipalFrom(ctx)
	if v, err = a.views.ForList(ctx, p, versions(rows)); err != nil {
		return nil, err
	}
	patients, err := a.deps.Study.PatientsByID(ctx, patientIDs(rows))
	if err != nil {
		return nil, err
	}
	out := &screeningListOutput{}
	out.Body.Screening, out.Body.Next = make([]view.Screening, 0, len(patients)), next
	for _, pt := range patients {
		if !pt.Withdrawn() { // withdrawn since the entries were read
			out.Body.Screening = append(out.Body.Screening, v.Screening(pt, a.deps.Now()))
			out.patients = append(out.patients, pt.ID)
		}
	}
	return out, nil
}
