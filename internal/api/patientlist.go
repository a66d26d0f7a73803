package api

import (
	"context"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/textfold"
	"serenade/internal/view"
)

// patientListInput is the doctors' patient list: sort, filters, search
// and paging.
type patientListInput struct {
	Sort           string                    `query:"sort" enum:"date_join,-date_join,last_activity,status,last_name," doc:"Order; id (enrolment order) when empty. Each order ends with the id."`
	Status         domain.InstallationStatus `query:"status" enum:"to_install,working,maintenance,uninstalling,inactive,unknown," doc:"Only patients whose installation has this status."`
	DiagnosisClass domain.DiagnosisClass     `query:"diagnosis_class" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified," doc:"Only patients of this diagnosis class (through the blind index)."`
	Q              string                    `query:"q" doc:"Search: a codice fiscale, or words of the first or last name."`
	PageQuery
}

func (a *API) listPatients(ctx context.Context, in *patientListInput) (*patientListOutput, error) {
	v := a.viewer(ctx)
	pos := page.Position{List: "patients", Sort: in.Sort, Filter: filterKey(string(in.Status), string(in.DiagnosisClass), in.Q)}
	f := domain.ListFilter{Search: in.Q, DiagnosisClass: in.DiagnosisClass, Status: in.Status}
	var rows []domain.ListEntry
	var next string
	var loaded map[int64]domain.Patient
	var err error
	if in.Sort == view.SortLastName {
		rows, next, loaded, err = a.byName(ctx, pos, in.PageQuery, f)
	} else {
		rows, next, err = a.entryPage(ctx, v, pos, in.PageQuery, f)
	}
	if err != nil {
		return nil, err
	}
	if loaded == nil {
		if loaded, err = a.patientsByID(ctx, patientIDs(rows)); err != nil {
			return nil, err
		}
	}
	out := &patientListOutput{}
	out.Body.Patients, out.Body.Next = make([]view.PatientSummary, 0, len(rows)), next
	for _, e := range rows {
		if p, ok := loaded[e.PatientID]; ok {
			out.Body.Patients = append(out.Body.Patients, v.Summary(p, e.Status))
			out.patients = append(out.patients, p.ID)
		}
	}
	return out, nil
}

// byName is a page of the list by surname, then first name, then id:
// the one order the store cannot read (names are sealed), so it opens
// the identities of every entry the filter keeps, at most
// domain.NameSortMax of them, and orders them in memory. It returns the
// patients it opened with the page.
func (a *API) byName(ctx context.Context, pos page.Position, q PageQuery, f domain.ListFilter) ([]domain.ListEntry, string, map[int64]domain.Patient, error) {
	after, err := a.openCursor(ctx, pos, q)
	if err != nil {
		return nil, "", nil, err
	}
	es, err := a.deps.Study.ListEntries(ctx, f)
	if err != nil {
		return nil, "", nil, err
	}
	if len(es) > domain.NameSortMax {
		return nil, "", nil, queryInvalid("sort", errNameSortTooMany.Error())
	}
	loaded, err := a.patientsByID(ctx, patientIDs(es))
	if err != nil {
		return nil, "", nil, err
	}
	rows, next := pageAfter(a, ctx, pos, q, es, func(e domain.ListEntry) page.Key {
		p := loaded[e.PatientID]
		return page.Key{textfold.Fold(p.Identity.LastName), textfold.Fold(p.Identity.FirstName), page.Int(e.PatientID)}
	}, after)
	return rows, next, loaded, nil
}

func (a *API) patientsByID(ctx context.Context, ids []int64) (map[int64]domain.Patient, error) {
	ps, err := a.deps.Study.PatientsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]domain.Patient, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m, nil
}
