package api

import (
	"context"
	"errors"

	"serenade/internal/domain"
	"serenade/internal/page"
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
	var err error
	if in.Sort == view.SortLastName {
		rows, next, err = a.byName(ctx, pos, in.PageQuery, f)
	} else {
		rows, next, err = a.entryPage(ctx, v, pos, in.PageQuery, f)
	}
	if err != nil {
		return nil, err
	}
	loaded, err := a.patientsByID(ctx, patientIDs(rows))
	if err != nil {
		return nil, err
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
// names are sealed, so the store orders in memory the entries the filter
// keeps, at most domain.NameSortMax of them, from the folded names it
// keeps per process under the database's identity revision
// (domain.ListFilter.NameKeys); it opens no identity while none was
// written. Only the page's patients are then read in full, as in every
// other order.
func (a *API) byName(ctx context.Context, pos page.Position, q PageQuery, f domain.ListFilter) ([]domain.ListEntry, string, error) {
	f.NameKeys = true
	read := func(after page.Key, limit int) ([]domain.ListEntry, error) {
		f.Limit, f.AfterKey = limit, after
		es, err := a.deps.Study.ListEntries(ctx, f)
		if errors.Is(err, domain.ErrNameSortTooMany) {
			return nil, queryInvalid("sort", errNameSortTooMany.Error())
		}
		return es, err
	}
	return sqlPage(a, ctx, pos, q, read, func(e domain.ListEntry) page.Key { return e.Key })
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
