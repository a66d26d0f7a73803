package api

import (
	"context"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/view"
)

// screeningListInput is the screening list: diagnosis-class filter and
// paging; the order is the default one (nickname, or id for doctors).
type screeningListInput struct {
	DiagnosisClass domain.DiagnosisClass `query:"diagnosis_class" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified," doc:"Only patients of this diagnosis class."`
	PageQuery
}

func (a *API) listScreening(ctx context.Context, in *screeningListInput) (*screeningListOutput, error) {
	pos := page.Position{List: "screening", Filter: filterKey(string(in.DiagnosisClass))}
	rows, next, err := a.entryPage(ctx, a.viewer(ctx), pos, in.PageQuery, domain.ListFilter{DiagnosisClass: in.DiagnosisClass, Active: true})
	if err != nil {
		return nil, err
	}
	p, _ := domain.PrincipalFrom(ctx)
	v, err := a.views.ForList(ctx, p, versions(rows))
	if err != nil {
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
